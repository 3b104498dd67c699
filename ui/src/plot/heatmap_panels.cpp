#include "plot/heatmap_panels.h"

namespace attnviz::ui {

HeatmapPanel* HeatmapPanels::add(QCustomPlot* plot, QCPLayoutGrid* grid, int row, int col) {
    m_panels.push_back(std::make_unique<HeatmapPanel>(plot, grid, row, col));
    return m_panels.back().get();
}

std::optional<HeatmapPanels::Hit> HeatmapPanels::hitCell(const QPointF& pos) {
    for (const auto& p : m_panels) {
        int row = 0;
        int col = 0;
        if (p->cellAt(pos, &row, &col)) {
            for (const auto& q : m_panels) q->setMarker(row, col);
            return Hit{p.get(), row, col};
        }
    }
    return std::nullopt;
}

int HeatmapPanels::tokenAt(const QPointF& pos) const {
    for (const auto& p : m_panels) {
        const int token = p->tokenAt(pos);
        if (token >= 0) return token;
    }
    return -1;
}

void HeatmapPanels::clearMarkers() {
    for (const auto& p : m_panels) p->setMarker(-1, -1);
}

void HeatmapPanels::setHighlightToken(int token) {
    for (const auto& p : m_panels) p->setHighlightToken(token);
}

void HeatmapPanels::resetZoom() {
    for (const auto& p : m_panels) p->resetZoom();
}

void HeatmapPanels::clearSizeLimits() {
    for (const auto& p : m_panels) p->clearSizeLimit();
    m_lodDeferred = 0;
}

bool HeatmapPanels::fitLayout() {
    bool changed = false;
    for (const auto& p : m_panels) changed |= p->fitSquare();
    for (const auto& p : m_panels) changed |= p->fitLabels();
    // The LOD images follow the final layout (they change no sizes): not
    // built for a size that is about to change (every replot's first pass
    // lays out before the panels are square, and the reduction of 4k x 4k
    // cells is most of a replot), unless the layout keeps changing (the
    // canvas stops after four passes).
    if (changed && m_lodDeferred < 3) {
        ++m_lodDeferred;
        return true;
    }
    for (const auto& p : m_panels) p->fitLod();
    return changed;
}

}  // namespace attnviz::ui
