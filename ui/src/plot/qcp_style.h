// QCustomPlot pieces shared by the views: gradients from our colormaps and a
// styled colour scale.
#pragma once

#include "attnviz/ui/plot/colormap.h"
#include "attnviz/ui/plot/figure_colors.h"

#include <qcustomplot.h>

namespace attnviz::ui {

// Masked cells (NaN) are drawn in figureColors().masked.
QCPColorGradient makeGradient(Colormap map);

// A vertical colour scale with a label, bar width and fonts matching the panels.
QCPColorScale* makeColorScale(QCustomPlot* plot, const QString& label);

enum class FigureRole { Text, Subtitle, Formula };
void setFigureRole(QCPTextElement* element, FigureRole role);

// The colours of `c` on the canvas and every axis, colour scale and text
// element in its layout (text elements by their FigureRole).
void applyFigureColors(QCustomPlot* plot, const FigureColors& c);

// An empty layout element that absorbs spare room (centres the figure).
QCPLayoutElement* makeSpacer(QCustomPlot* plot);

}  // namespace attnviz::ui
