#include "attnviz/ui/plot/view_style.h"

namespace attnviz::ui {

QString rangeModeName(RangeMode mode) {
    switch (mode) {
    case RangeMode::Head: return QStringLiteral("head");
    case RangeMode::Shared: return QStringLiteral("shared");
    case RangeMode::Fixed: return QStringLiteral("fixed");
    }
    return QStringLiteral("shared");
}

QString rangeModeLabel(RangeMode mode) {
    switch (mode) {
    case RangeMode::Head: return QStringLiteral("this head");
    case RangeMode::Shared: return QStringLiteral("shared by all heads");
    case RangeMode::Fixed: return QStringLiteral("fixed 0..1");
    }
    return {};
}

std::optional<RangeMode> rangeModeFromName(const QString& name) {
    for (RangeMode m : {RangeMode::Head, RangeMode::Shared, RangeMode::Fixed}) {
        if (name.compare(rangeModeName(m), Qt::CaseInsensitive) == 0) return m;
    }
    return std::nullopt;
}

}  // namespace attnviz::ui
