// QCustomPlot pieces shared by the views: gradients from our colormaps and a
// styled colour scale.
#pragma once

#include "attnviz/ui/plot/colormap.h"

#include <qcustomplot.h>

namespace attnviz::ui {

// Masked cells (NaN) are drawn in this colour.
inline const QColor kMaskedColor(214, 214, 214);

QCPColorGradient makeGradient(Colormap map);

// A vertical colour scale with a label, bar width and fonts matching the panels.
QCPColorScale* makeColorScale(QCustomPlot* plot, const QString& label);

// An empty layout element that absorbs spare room (centres the figure).
QCPLayoutElement* makeSpacer(QCustomPlot* plot);

}  // namespace attnviz::ui
