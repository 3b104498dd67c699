#include "plot/qcp_style.h"

#include "plot/plot_canvas.h"

namespace attnviz::ui {

QCPColorGradient makeGradient(Colormap map) {
    QCPColorGradient gradient;
    QMap<double, QColor> stops;
    for (const ColorStop& s : colormapStops(map)) stops.insert(s.position, s.color);
    gradient.setColorStops(stops);
    gradient.setColorInterpolation(QCPColorGradient::ciRGB);
    gradient.setLevelCount(256);
    gradient.setNanHandling(QCPColorGradient::nhNanColor);
    gradient.setNanColor(kMaskedColor);
    return gradient;
}

QCPColorScale* makeColorScale(QCustomPlot* plot, const QString& label) {
    auto* scale = new QCPColorScale(plot);
    scale->setType(QCPAxis::atRight);
    scale->setBarWidth(14);
    scale->setRangeDrag(false);
    scale->setRangeZoom(false);
    scale->setLabel(label);
    QCPAxis* axis = scale->axis();
    axis->setTickLabelFont(PlotCanvas::font(11));
    axis->setLabelFont(PlotCanvas::font(12));
    axis->setLabelColor(QColor(80, 80, 80));
    axis->setBasePen(QPen(QColor(120, 120, 120)));
    axis->setTickPen(QPen(QColor(120, 120, 120)));
    axis->setSubTickPen(QPen(QColor(160, 160, 160)));
    axis->ticker()->setTickCount(6);
    // Keep the bar narrow: the spare width goes to the spacers.
    scale->setMaximumSize(14, QWIDGETSIZE_MAX);
    return scale;
}

QCPLayoutElement* makeSpacer(QCustomPlot* plot) {
    auto* spacer = new QCPLayoutElement(plot);
    spacer->setMinimumSize(0, 0);
    return spacer;
}

}  // namespace attnviz::ui
