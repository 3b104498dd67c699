#include "plot/lod_map.h"

#include "attnviz/ui/plot/figure_colors.h"

#include <QPainter>

#include <cmath>

namespace attnviz::ui {
namespace {

// The cells of one axis that its visible range touches (cell i spans i-0.5 .. i+0.5).
CellSpan visibleCells(const QCPRange& range, int n) {
    const int first = std::clamp(static_cast<int>(std::floor(range.lower + 0.5)), 0, std::max(0, n - 1));
    const int last = std::clamp(static_cast<int>(std::ceil(range.upper + 0.5)) - 1, first, std::max(0, n - 1));
    return {first, n > 0 ? last - first + 1 : 0};
}

// The coordinates of the first and last bin centres of `bins` bins over `span`.
QCPRange binCentres(CellSpan span, int bins) {
    const double lo = span.first - 0.5;
    const double hi = span.first + span.count - 0.5;
    if (bins <= 1) return {lo, hi};
    const double half = 0.5 * (hi - lo) / bins;
    return {lo + half, hi - half};
}

}  // namespace

LodMap::LodMap(QCustomPlot* plot, QCPAxisRect* rect, QCPColorMap* map, const Matrix* matrix)
    : m_plot(plot), m_rect(rect), m_map(map), m_matrix(matrix), m_minimap(new QCPItemPixmap(plot)) {
    m_minimap->setClipToAxisRect(false);
    m_minimap->setSelectable(false);
    m_minimap->setScaled(false);
    m_minimap->topLeft->setType(QCPItemPosition::ptAbsolute);
    m_minimap->setVisible(false);
}

bool LodMap::active() const { return m_matrix->rows() > kMinLodSide || m_matrix->cols() > kMinLodSide; }

void LodMap::matrixChanged() {
    m_stale = true;
    m_overviewStale = true;
    if (active()) return;  // built for the pixels at the next layout
    const Matrix& m = *m_matrix;
    const int rows = m.rows();
    const int cols = m.cols();
    QCPColorMapData* data = m_map->data();
    data->setSize(cols, rows);
    // A single cell spans -0.5..0.5 (QCustomPlot draws one cell over its range).
    data->setRange(cols > 1 ? QCPRange(0, cols - 1) : QCPRange(-0.5, 0.5),
                   rows > 1 ? QCPRange(0, rows - 1) : QCPRange(-0.5, 0.5));
    for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < cols; ++c) data->setCell(c, r, m.at(r, c));
    }
    m_rows = {0, rows};
    m_cols = {0, cols};
    m_image = QSize(cols, rows);
    m_minimap->setVisible(false);
}

void LodMap::setMode(LodMode mode) {
    if (mode == m_mode) return;
    m_mode = mode;
    m_stale = true;
    m_overviewStale = true;
}

bool LodMap::update() {
    if (!active()) {
        m_minimap->setVisible(false);
        return false;
    }
    const Matrix& m = *m_matrix;
    const QSize pixels(std::max(1, m_rect->width()), std::max(1, m_rect->height()));
    const CellSpan rows = visibleCells(m_rect->axis(QCPAxis::atLeft)->range(), m.rows());
    const CellSpan cols = visibleCells(m_rect->axis(QCPAxis::atBottom)->range(), m.cols());
    if (!m_stale && rows == m_rows && cols == m_cols && pixels == m_pixels) {
        updateMinimap();
        return false;
    }
    const Matrix image = reduceBlocks(m, rows, cols, pixels.height(), pixels.width(), m_mode);  // (bins, bins)
    QCPColorMapData* data = m_map->data();
    if (data->keySize() != image.cols() || data->valueSize() != image.rows()) data->setSize(image.cols(), image.rows());
    data->setRange(binCentres(cols, image.cols()), binCentres(rows, image.rows()));
    for (int r = 0; r < image.rows(); ++r) {
        for (int c = 0; c < image.cols(); ++c) data->setCell(c, r, image.at(r, c));
    }
    m_rows = rows;
    m_cols = cols;
    m_pixels = pixels;
    m_image = QSize(image.cols(), image.rows());
    m_stale = false;
    updateMinimap();
    return true;
}

QString LodMap::note() const {
    if (!active()) return {};
    const Matrix& m = *m_matrix;
    if (m_image.width() == m_cols.count && m_image.height() == m_rows.count) {
        return QStringLiteral("%1 x %2, cells %3-%4 x %5-%6 shown one per pixel or more")
            .arg(m.rows())
            .arg(m.cols())
            .arg(m_rows.first)
            .arg(m_rows.first + m_rows.count - 1)
            .arg(m_cols.first)
            .arg(m_cols.first + m_cols.count - 1);
    }
    const QString part = zoomed() ? QStringLiteral(" (visible %1 x %2)").arg(m_rows.count).arg(m_cols.count) : QString();
    return QStringLiteral("%1 x %2%3 shown as %4 x %5 px, %6")
        .arg(m.rows())
        .arg(m.cols())
        .arg(part)
        .arg(m_image.width())
        .arg(m_image.height())
        .arg(QString::fromLatin1(lodModeText(m_mode)));
}

bool LodMap::zoomed() const {
    return active() && (m_rows.count < m_matrix->rows() || m_cols.count < m_matrix->cols());
}

void LodMap::updateMinimap() {
    if (!zoomed()) {
        m_minimap->setVisible(false);
        return;
    }
    const Matrix& m = *m_matrix;
    if (m_overviewStale) {
        m_overview = reduceBlocks(m, {0, m.rows()}, {0, m.cols()}, kMinimapSide, kMinimapSide, m_mode);
        m_overviewStale = false;
    }
    // The long side kMinimapSide pixels, the shape of the matrix.
    const double cell = static_cast<double>(kMinimapSide) / std::max(m.rows(), m.cols());
    const int w = std::max(8, static_cast<int>(std::lround(cell * m.cols())));
    const int h = std::max(8, static_cast<int>(std::lround(cell * m.rows())));
    QImage small(m_overview.cols(), m_overview.rows(), QImage::Format_ARGB32);
    QCPColorGradient gradient = m_map->gradient();
    const QCPRange range = m_map->dataRange();
    std::vector<double> line(static_cast<std::size_t>(m_overview.cols()));
    for (int r = 0; r < m_overview.rows(); ++r) {
        for (int c = 0; c < m_overview.cols(); ++c) line[c] = m_overview.at(r, c);
        gradient.colorize(line.data(), range, reinterpret_cast<QRgb*>(small.scanLine(r)), m_overview.cols());
    }
    QPixmap pixmap(w + 2, h + 2);
    const FigureColors colors = figureColors(m_plot->palette());
    pixmap.fill(colors.background);
    {
        QPainter p(&pixmap);
        p.drawImage(QRect(1, 1, w, h), small);
        p.setPen(QPen(colors.axisLine, 1));
        p.drawRect(0, 0, w + 1, h + 1);
        // The visible part, at least 3 px a side so it stays visible.
        const double sx = static_cast<double>(w) / m.cols();
        const double sy = static_cast<double>(h) / m.rows();
        QRectF view(1 + m_cols.first * sx, 1 + m_rows.first * sy, std::max(3.0, m_cols.count * sx),
                    std::max(3.0, m_rows.count * sy));
        p.setPen(QPen(colors.accent, 2));
        p.setBrush(Qt::NoBrush);
        p.drawRect(view);
    }
    m_minimap->setPixmap(pixmap);
    const QRect r = m_rect->rect();
    m_minimap->topLeft->setCoords(r.right() - pixmap.width() - 6, r.top() + 6);
    m_minimap->setVisible(true);
}

}  // namespace attnviz::ui
