// The heatmap panels of one view, handled as a group: hovering a cell marks
// the same cell on every panel, and zoom, highlight and size fitting apply to
// all of them.
#pragma once

#include "plot/heatmap_panel.h"

#include <memory>
#include <optional>
#include <vector>

namespace attnviz::ui {

class HeatmapPanels {
public:
    // A shown cell under the mouse and the panel it was found in.
    struct Hit {
        const HeatmapPanel* panel;
        int row;  // query
        int col;  // key
    };

    // A new panel in cell (row, col) of `grid`, owned by the group.
    HeatmapPanel* add(QCustomPlot* plot, QCPLayoutGrid* grid, int row, int col);
    void clear() { m_panels.clear(); }
    bool empty() const { return m_panels.empty(); }
    int size() const { return static_cast<int>(m_panels.size()); }
    HeatmapPanel* at(int i) const { return m_panels.at(i).get(); }
    HeatmapPanel* back() const { return m_panels.empty() ? nullptr : m_panels.back().get(); }
    auto begin() const { return m_panels.begin(); }
    auto end() const { return m_panels.end(); }

    // The cell under `pos` in the first panel that has one, marked on every
    // panel; nullopt (markers left alone) when there is none.
    std::optional<Hit> hitCell(const QPointF& pos);
    // The run token under `pos` in the first panel that has one (-1: none).
    int tokenAt(const QPointF& pos) const;
    void clearMarkers();
    void setHighlightToken(int token);
    void resetZoom();

    // The canvas's layout hooks: drop the size limits, then square the
    // panels and thin their labels (true when something changed).
    void clearSizeLimits();
    bool fitLayout();

private:
    std::vector<std::unique_ptr<HeatmapPanel>> m_panels;
    int m_lodDeferred = 0;  // fitLayout calls since clearSizeLimits that left the LOD images for later
};

}  // namespace attnviz::ui
