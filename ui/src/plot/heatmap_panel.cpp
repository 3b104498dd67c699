#include "plot/heatmap_panel.h"

#include "attnviz/ui/plot/figure_colors.h"
#include "plot/plot_canvas.h"
#include "plot/token_ticker.h"
#include "plot/wrap_text.h"

#include <cmath>

namespace attnviz::ui {
namespace {

constexpr int kMaxTickFont = 12;
constexpr int kMinTickFont = 9;

QCPItemRect* makeBand(QCustomPlot* plot, QCPAxisRect* rect, const QPen& pen) {
    auto* item = new QCPItemRect(plot);
    item->setClipAxisRect(rect);
    item->setClipToAxisRect(true);
    for (QCPItemPosition* p : {item->topLeft, item->bottomRight}) {
        p->setType(QCPItemPosition::ptPlotCoords);
        p->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
    }
    item->setPen(pen);
    item->setBrush(Qt::NoBrush);
    item->setSelectable(false);
    item->setVisible(false);
    return item;
}

void styleAxis(QCPAxis* axis, const QSharedPointer<TokenTicker>& ticker) {
    axis->setTicker(ticker);
    axis->grid()->setVisible(false);
    axis->setSubTicks(false);
    axis->setTickLength(0, 3);
    axis->setTickLabelFont(PlotCanvas::font(kMaxTickFont));
    axis->setLabelFont(PlotCanvas::font(12));
    axis->setPadding(4);
    axis->setLabelPadding(6);
}

}  // namespace

HeatmapPanel::HeatmapPanel(QCustomPlot* plot, QCPLayoutGrid* grid, int row, int col)
    : m_plot(plot),
      m_rect(new QCPAxisRect(plot, true)),
      m_xTicker(new TokenTicker),
      m_yTicker(new TokenTicker) {
    grid->addElement(row, col, m_rect);
    QCPAxis* x = m_rect->axis(QCPAxis::atBottom);
    QCPAxis* y = m_rect->axis(QCPAxis::atLeft);
    styleAxis(x, m_xTicker);
    styleAxis(y, m_yTicker);
    x->setTickLabelRotation(-90);
    y->setRangeReversed(true);  // query 0 at the top
    QCPAxis* top = m_rect->axis(QCPAxis::atTop);
    top->setVisible(true);
    top->setTicks(false);
    top->setTickLabels(false);
    top->setBasePen(Qt::NoPen);
    top->setLabelFont(PlotCanvas::font(13, true));
    top->setLabelPadding(2);
    top->grid()->setVisible(false);
    m_rect->setRangeDrag(Qt::Horizontal | Qt::Vertical);
    m_rect->setRangeZoom(Qt::Horizontal | Qt::Vertical);

    m_map = new QCPColorMap(x, y);
    m_map->setInterpolate(false);
    m_map->setTightBoundary(false);
    m_map->setAntialiased(false);

    m_rowBand = makeBand(plot, m_rect, QPen(figureColors().accent, 2.0));
    m_colBand = makeBand(plot, m_rect, QPen(figureColors().accent, 2.0));
    m_marker = makeBand(plot, m_rect, QPen(Qt::white, 2.0));
    m_lod = std::make_unique<LodMap>(plot, m_rect, m_map, &m_matrix);
    m_positionTicker.reset(new QCPAxisTicker);
    m_positionTicker->setTickCount(6);

    QObject::connect(x, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), m_plot, [this] { clampRanges(); });
    QObject::connect(y, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), m_plot, [this] { clampRanges(); });
}

void HeatmapPanel::setData(const Matrix& matrix, const QStringList& labels, const std::vector<int>& tokenIndex) {
    setData(matrix, labels, tokenIndex, labels, tokenIndex);
    m_separateColumns = false;
}

void HeatmapPanel::setData(const Matrix& matrix, const QStringList& rowLabels, const std::vector<int>& rowIndex,
                           const QStringList& colLabels, const std::vector<int>& colIndex) {
    const bool sameShape = matrix.rows() == m_matrix.rows() && matrix.cols() == m_matrix.cols();
    m_matrix = matrix;
    m_labels = rowLabels;
    m_tokenIndex = rowIndex;
    m_colLabels = colLabels;
    m_colTokenIndex = colIndex;
    m_separateColumns = true;
    // Small matrices go into the colour map cell by cell; large ones as an
    // image of their visible part at the next layout (fitLod).
    m_lod->matrixChanged();
    m_xTicker->setLabels(colLabels);
    m_yTicker->setLabels(rowLabels);
    m_marker->setVisible(false);
    if (!sameShape) resetZoom();
}

void HeatmapPanel::setTitle(const QString& title) {
    m_title = title;
    m_rect->axis(QCPAxis::atTop)->setLabel(title);
}

void HeatmapPanel::setAxisTitles(bool show) {
    m_rect->axis(QCPAxis::atBottom)->setLabel(show ? QStringLiteral("key (attended to)") : QString());
    m_rect->axis(QCPAxis::atLeft)->setLabel(show ? QStringLiteral("query (attending)") : QString());
}

void HeatmapPanel::setAxisTitles(const QString& x, const QString& y) {
    m_rect->axis(QCPAxis::atBottom)->setLabel(x);
    m_rect->axis(QCPAxis::atLeft)->setLabel(y);
}

void HeatmapPanel::setGradient(const QCPColorGradient& gradient) { m_map->setGradient(gradient); }

void HeatmapPanel::setDataRange(double lower, double upper) { m_map->setDataRange(QCPRange(lower, upper)); }

void HeatmapPanel::setColorScale(QCPColorScale* scale) { m_map->setColorScale(scale); }

bool HeatmapPanel::fitLabels() {
    bool changed = false;
    for (auto [axis, ticker] : {std::pair{m_rect->axis(QCPAxis::atBottom), m_xTicker.data()},
                                std::pair{m_rect->axis(QCPAxis::atLeft), m_yTicker.data()}}) {
        const double pixels = axis->orientation() == Qt::Horizontal ? m_rect->width() : m_rect->height();
        const double cells = std::max(1.0, axis->range().size());
        const double perCell = pixels / cells;
        // The largest font whose capitals fit a cell with a little air; below
        // the smallest font, label every step-th token instead.
        int fontPx = kMinTickFont;
        for (int px = kMaxTickFont; px >= kMinTickFont; --px) {
            if (QFontMetrics(PlotCanvas::font(px)).capHeight() + 2 <= perCell) {
                fontPx = px;
                break;
            }
        }
        const QFont font = PlotCanvas::font(fontPx);
        const int room = QFontMetrics(font).capHeight() + 2;
        const int step = std::max(1, static_cast<int>(std::ceil(room / std::max(perCell, 0.01))));
        if (axis->tickLabelFont().pixelSize() != fontPx) {
            axis->setTickLabelFont(font);
            changed = true;
        }
        if (ticker->step() != step) {
            ticker->setStep(step);
            changed = true;
        }
    }
    // A title wider than the panel wraps (side by side, one-line titles of
    // narrow panels ran into each other).
    QCPAxis* top = m_rect->axis(QCPAxis::atTop);
    const QString title = wrapText(m_title, top->labelFont(), std::max(40, m_rect->width() + 8), WrapAt::Phrases);
    if (title != top->label()) {
        top->setLabel(title);
        changed = true;
    }
    // Token texts for large matrices only once they are readable.
    const bool readable = !m_lod->active() || (m_xTicker->step() <= kMaxLabelStep && m_yTicker->step() <= kMaxLabelStep);
    if (readable != m_tokenLabels) {
        m_tokenLabels = readable;
        m_rect->axis(QCPAxis::atBottom)->setTicker(readable ? QSharedPointer<QCPAxisTicker>(m_xTicker) : m_positionTicker);
        m_rect->axis(QCPAxis::atLeft)->setTicker(readable ? QSharedPointer<QCPAxisTicker>(m_yTicker) : m_positionTicker);
        changed = true;
    }
    return changed;
}

bool HeatmapPanel::fitSquare() {
    const QRect r = m_rect->rect();
    if (r.width() <= 0 || r.height() <= 0) return false;
    const int rows = std::max(1, m_matrix.rows());
    const int cols = std::max(1, m_matrix.cols());
    if (rows == cols) {
        if (std::abs(r.width() - r.height()) <= 1) return false;
        const int side = std::min(r.width(), r.height());
        m_rect->setMaximumSize(side, side);
        return true;
    }
    const double cell = std::min(static_cast<double>(r.width()) / cols, static_cast<double>(r.height()) / rows);
    const int w = std::max(1, static_cast<int>(std::floor(cell * cols)));
    const int h = std::max(1, static_cast<int>(std::floor(cell * rows)));
    if (std::abs(r.width() - w) <= 1 && std::abs(r.height() - h) <= 1) return false;
    m_rect->setMaximumSize(w, h);
    return true;
}

void HeatmapPanel::clearSizeLimit() { m_rect->setMaximumSize(QWIDGETSIZE_MAX, QWIDGETSIZE_MAX); }

bool HeatmapPanel::cellAt(const QPointF& pos, int* row, int* col) const {
    if (m_matrix.empty() || !m_rect->rect().contains(pos.toPoint())) return false;
    const int c = static_cast<int>(std::lround(m_rect->axis(QCPAxis::atBottom)->pixelToCoord(pos.x())));
    const int r = static_cast<int>(std::lround(m_rect->axis(QCPAxis::atLeft)->pixelToCoord(pos.y())));
    if (r < 0 || c < 0 || r >= m_matrix.rows() || c >= m_matrix.cols()) return false;
    *row = r;
    *col = c;
    return true;
}

int HeatmapPanel::tokenOfRow(int row) const {
    return row >= 0 && row < static_cast<int>(m_tokenIndex.size()) ? m_tokenIndex[row] : -1;
}

int HeatmapPanel::tokenAt(const QPointF& pos) const {
    if (m_matrix.empty()) return -1;
    const QRect r = m_rect->rect();
    const auto index = [](double coord, int n) {
        const int i = static_cast<int>(std::lround(coord));
        return i >= 0 && i < n ? i : -1;
    };
    const double key = m_rect->axis(QCPAxis::atBottom)->pixelToCoord(pos.x());
    const double query = m_rect->axis(QCPAxis::atLeft)->pixelToCoord(pos.y());
    if (r.contains(pos.toPoint())) return tokenOfRow(index(query, m_matrix.rows()));
    if (pos.y() > r.bottom() && pos.x() >= r.left() && pos.x() <= r.right()) {
        // Columns of another sequence (cross-attention) name no row token.
        return m_separateColumns ? -1 : tokenOfRow(index(key, m_matrix.cols()));
    }
    if (pos.x() < r.left() && pos.y() >= r.top() && pos.y() <= r.bottom()) return tokenOfRow(index(query, m_matrix.rows()));
    return -1;
}

void HeatmapPanel::setHighlightToken(int token) {
    int shown = -1;
    for (std::size_t i = 0; i < m_tokenIndex.size(); ++i) {
        if (m_tokenIndex[i] == token) shown = static_cast<int>(i);
    }
    m_rowBand->setVisible(shown >= 0);
    m_colBand->setVisible(shown >= 0 && !m_separateColumns);
    if (shown < 0) return;
    const double n = m_matrix.cols();
    m_rowBand->topLeft->setCoords(-0.5, shown - 0.5);
    m_rowBand->bottomRight->setCoords(n - 0.5, shown + 0.5);
    m_colBand->topLeft->setCoords(shown - 0.5, -0.5);
    m_colBand->bottomRight->setCoords(shown + 0.5, m_matrix.rows() - 0.5);
}

void HeatmapPanel::setMarker(int row, int col) {
    const bool show = row >= 0 && col >= 0 && row < m_matrix.rows() && col < m_matrix.cols();
    m_marker->setVisible(show);
    if (!show) return;
    m_marker->topLeft->setCoords(col - 0.5, row - 0.5);
    m_marker->bottomRight->setCoords(col + 0.5, row + 0.5);
}

void HeatmapPanel::resetZoom() {
    m_rect->axis(QCPAxis::atBottom)->setRange(-0.5, std::max(1, m_matrix.cols()) - 0.5);
    m_rect->axis(QCPAxis::atLeft)->setRange(-0.5, std::max(1, m_matrix.rows()) - 0.5);
}

void HeatmapPanel::clampRanges() {
    // Zoom and pan stay inside the matrix.
    for (auto [axis, n] : {std::pair{m_rect->axis(QCPAxis::atBottom), m_matrix.cols()},
                           std::pair{m_rect->axis(QCPAxis::atLeft), m_matrix.rows()}}) {
        const double lo = -0.5;
        const double hi = std::max(1, n) - 0.5;
        QCPRange r = axis->range();
        const double size = std::min(std::max(r.size(), 1.0), hi - lo);
        if (r.lower < lo) r = QCPRange(lo, lo + size);
        if (r.upper > hi) r = QCPRange(hi - size, hi);
        if (r.size() != axis->range().size() || r.lower != axis->range().lower) axis->setRange(r);
    }
}

QString HeatmapPanel::cellText(int row, int col) const {
    if (row < 0 || col < 0 || row >= m_matrix.rows() || col >= m_matrix.cols()) return {};
    const float v = m_matrix.at(row, col);
    const QString value = std::isnan(v) ? QStringLiteral("masked") : QString::number(v, 'f', 4);
    return QStringLiteral("query '%1' -> key '%2': %3").arg(m_labels.value(row), m_colLabels.value(col), value);
}

}  // namespace attnviz::ui
