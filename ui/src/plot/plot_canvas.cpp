#include "plot/plot_canvas.h"

#include "attnviz/ui/plot/figure_colors.h"

namespace attnviz::ui {

PlotCanvas::PlotCanvas(QWidget* parent) : QCustomPlot(parent) {
    setBackground(Qt::white);
    setFont(font(12));
    setAntialiasedElements(QCP::aeAxes | QCP::aeItems | QCP::aeOther);
    setNotAntialiasedElements(QCP::aePlottables);
    setMouseTracking(true);
}

QFont PlotCanvas::font(int pixelSize, bool bold) {
    // Pixel sizes keep figures identical whatever the screen's DPI (GUI vs CLI).
    QFont f(QStringLiteral("DejaVu Sans"));
    f.setPixelSize(pixelSize);
    f.setBold(bold);
    f.setHintingPreference(QFont::PreferNoHinting);
    return f;
}

void PlotCanvas::setLayoutHooks(std::function<void()> reset, std::function<bool()> fix) {
    m_reset = std::move(reset);
    m_fix = std::move(fix);
}

void PlotCanvas::setPrepareHook(std::function<void()> prepare) { m_prepare = std::move(prepare); }

void PlotCanvas::updateLayout() {
    if (m_inLayout) {
        QCustomPlot::updateLayout();
        return;
    }
    m_inLayout = true;
    if (m_prepare) m_prepare();
    if (m_reset) m_reset();
    QCustomPlot::updateLayout();
    for (int pass = 0; pass < 4 && m_fix && m_fix(); ++pass) QCustomPlot::updateLayout();
    m_inLayout = false;
}

QImage PlotCanvas::renderImage(QSize size, double scale) {
    const QSize pixels(qRound(size.width() * scale), qRound(size.height() * scale));
    QImage image(pixels, QImage::Format_ARGB32_Premultiplied);
    image.fill(figureColors(palette()).background);
    QCPPainter painter;
    if (!painter.begin(&image)) return {};
    const QRect oldViewport = viewport();
    setViewport(QRect(QPoint(0, 0), size));
    painter.setMode(QCPPainter::pmNoCaching);
    if (scale > 1.0) painter.setMode(QCPPainter::pmNonCosmetic);
    painter.scale(scale, scale);
    draw(&painter);
    painter.end();
    setViewport(oldViewport);
    replot(rpQueuedReplot);
    return image;
}

void PlotCanvas::renderVector(QCPPainter* painter, QSize size) {
    const QRect oldViewport = viewport();
    setViewport(QRect(QPoint(0, 0), size));
    painter->setMode(QCPPainter::pmVectorized);
    painter->setMode(QCPPainter::pmNoCaching);
    painter->fillRect(QRect(QPoint(0, 0), size), figureColors(palette()).background);
    draw(painter);
    setViewport(oldViewport);
    replot(rpQueuedReplot);
}

}  // namespace attnviz::ui
