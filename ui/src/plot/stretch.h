// Stretch factors for the rows and columns of a QCustomPlot layout grid, by
// role. QCustomPlot shares the free space in proportion to the factors, so
// the three roles differ by orders of magnitude: a Fixed element (title,
// colour scale) keeps its minimum size, Fill elements (heatmap panels, the
// body) take nearly all of the rest, and Margin spacers around the figure
// only take what Fill elements cannot use (square panels stop growing),
// which keeps the figure centred.
#pragma once

#include <QList>

namespace attnviz::ui {

enum class Stretch { Fixed, Fill, Margin };

constexpr double stretchFactor(Stretch role) {
    switch (role) {
        case Stretch::Fixed: return 0.001;
        case Stretch::Fill: return 1000.0;
        case Stretch::Margin: return 1.0;
    }
    return 1.0;
}

// The factors for setRowStretchFactors / setColumnStretchFactors, in order.
inline QList<double> stretchFactors(const QList<Stretch>& roles) {
    QList<double> factors;
    factors.reserve(roles.size());
    for (Stretch role : roles) factors << stretchFactor(role);
    return factors;
}

}  // namespace attnviz::ui
