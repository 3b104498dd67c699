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
    gradient.setNanColor(figureColors().masked);
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
    axis->ticker()->setTickCount(6);
    // Keep the bar narrow: the spare width goes to the spacers.
    scale->setMaximumSize(14, QWIDGETSIZE_MAX);
    return scale;
}

namespace {

void colorAxis(QCPAxis* axis, const FigureColors& c) {
    // The top axis carries a panel's title.
    axis->setLabelColor(axis->axisType() == QCPAxis::atTop ? c.text : c.axisLabel);
    axis->setTickLabelColor(c.text);
    if (axis->basePen().style() != Qt::NoPen) axis->setBasePen(QPen(c.axisLine));
    axis->setTickPen(QPen(c.axisLine));
    axis->setSubTickPen(QPen(c.subTick));
}

}  // namespace

void setFigureRole(QCPTextElement* element, FigureRole role) {
    element->setProperty("figureRole", static_cast<int>(role));
}

void applyFigureColors(QCustomPlot* plot, const FigureColors& c) {
    plot->setBackground(c.background);
    for (QCPLayoutElement* e : plot->plotLayout()->elements(true)) {
        if (auto* rect = qobject_cast<QCPAxisRect*>(e)) {
            for (QCPAxis* axis : rect->axes()) colorAxis(axis, c);
        } else if (auto* scale = qobject_cast<QCPColorScale*>(e)) {
            colorAxis(scale->axis(), c);
        } else if (auto* text = qobject_cast<QCPTextElement*>(e)) {
            const QVariant role = text->property("figureRole");
            const auto r = role.isValid() ? static_cast<FigureRole>(role.toInt()) : FigureRole::Text;
            text->setTextColor(r == FigureRole::Subtitle ? c.subtitle : r == FigureRole::Formula ? c.formula : c.text);
        }
    }
}

QCPLayoutElement* makeSpacer(QCustomPlot* plot) {
    auto* spacer = new QCPLayoutElement(plot);
    spacer->setMinimumSize(0, 0);
    return spacer;
}

}  // namespace attnviz::ui
