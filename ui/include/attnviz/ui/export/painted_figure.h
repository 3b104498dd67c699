// Figures drawn with a plain QPainter (the alignment view, the generation
// timeline) rather than through QCustomPlot: each draws itself at a given
// size with render(), and exportPaintedFigure() writes that drawing as PNG
// (scaled for hi-DPI), SVG or PDF, atomically, as exportFigure() does for
// the plot views.
#pragma once

#include "attnviz/core/result.h"
#include "attnviz/ui/export/exporters.h"

#include <QImage>
#include <QSize>
#include <QString>

class QPainter;

namespace attnviz::ui {

class PaintedFigure {
public:
    virtual ~PaintedFigure() = default;
    // The figure's title line, as drawn (also the PNG/SVG/PDF title).
    virtual QString figureTitle() const = 0;
    // Export size in logical pixels, from the content.
    virtual QSize figureSize() const = 0;
    // Draws the whole figure into (0, 0, size) in logical pixels.
    virtual void render(QPainter& painter, QSize size) const = 0;
    // Why there is nothing to export ("" when there is).
    virtual QString exportProblem() const { return {}; }
};

// The figure at `size` logical pixels, `scale` image pixels per logical pixel.
QImage renderPaintedImage(const PaintedFigure& figure, QSize size, double scale = 1.0);
// PNG, SVG or PDF of the figure (CSV and JSON are refused).
core::Status exportPaintedFigure(const PaintedFigure& figure, const QString& path, ExportFormat format,
                                 const FigureOptions& options = {});

}  // namespace attnviz::ui
