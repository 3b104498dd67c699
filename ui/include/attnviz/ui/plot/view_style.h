// How the views colour and filter what they show: colormap, colour range
// mode and whether special tokens are hidden. One value shared by every view
// (and by attnviz-cli export, so both draw the same figure).
#pragma once

#include "attnviz/ui/plot/colormap.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace attnviz::ui {

enum class RangeMode {
    Head,    // 0 .. the largest value of the matrix on its own
    Shared,  // 0 .. the largest value over all heads on screen (head view: all heads of the run)
    Fixed,   // 0 .. 1
};

QString rangeModeName(RangeMode mode);   // "head", "shared", "fixed" (settings, CLI)
QString rangeModeLabel(RangeMode mode);  // "this head", "shared by all heads", "fixed 0..1" (UI)
std::optional<RangeMode> rangeModeFromName(const QString& name);

struct ViewStyle {
    Colormap colormap = Colormap::Viridis;
    RangeMode range = RangeMode::Shared;
    bool hideSpecial = false;  // drop special tokens, renormalise the remaining rows
    // Heatmaps larger than the screen: each pixel shows the mean of its cells
    // (false: their max, so that no strong link disappears).
    bool lodMean = false;

    friend bool operator==(const ViewStyle&, const ViewStyle&) = default;
};

}  // namespace attnviz::ui
