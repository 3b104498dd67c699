// Colormaps for attention: perceptual sequential maps (viridis, magma) built
// from the published matplotlib stop values, greys, and a diverging map for
// signed differences (centred at 0 by the views that use it).
#pragma once

#include <QColor>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace attnviz::ui {

enum class Colormap { Viridis, Magma, Greys, Diverging };

struct ColorStop {
    double position = 0;  // 0..1
    QColor color;
};

std::vector<ColorStop> colormapStops(Colormap map);

// The colour at t in [0, 1] (clamped), linear in RGB between stops.
QColor colormapColor(Colormap map, double t);

// "viridis", "magma", "greys", "diverging".
QString colormapName(Colormap map);
std::optional<Colormap> colormapFromName(const QString& name);

}  // namespace attnviz::ui
