#include "attnviz/ui/plot/colormap.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace attnviz::ui {
namespace {

struct Rgb {
    double r, g, b;
};

// Entries 0, 16, 32, ..., 240, 255 of matplotlib's 256-entry viridis and magma
// tables (van der Walt, Smith, Firing; CC0). Linear interpolation between
// these 17 stops stays within a few 1/255 of the full tables.
constexpr std::array<Rgb, 17> kViridis = {{
    {0.267004, 0.004874, 0.329415}, {0.282327, 0.094955, 0.417331}, {0.278826, 0.175490, 0.483397},
    {0.258965, 0.251537, 0.524736}, {0.229739, 0.322361, 0.545706}, {0.199430, 0.387607, 0.554642},
    {0.172719, 0.448791, 0.557885}, {0.149039, 0.508051, 0.557250}, {0.127568, 0.566949, 0.550556},
    {0.120638, 0.625828, 0.533488}, {0.157851, 0.683765, 0.501686}, {0.246070, 0.738910, 0.452024},
    {0.369214, 0.788888, 0.382914}, {0.515992, 0.831158, 0.294279}, {0.678489, 0.863742, 0.189503},
    {0.845561, 0.887322, 0.099702}, {0.993248, 0.906157, 0.143936},
}};

constexpr std::array<Rgb, 17> kMagma = {{
    {0.001462, 0.000466, 0.013866}, {0.039608, 0.031090, 0.133515}, {0.113094, 0.065492, 0.276784},
    {0.211718, 0.061992, 0.418647}, {0.316654, 0.071690, 0.485380}, {0.414709, 0.110431, 0.504662},
    {0.512831, 0.148179, 0.507648}, {0.613617, 0.181811, 0.498536}, {0.716387, 0.214982, 0.475290},
    {0.816914, 0.255895, 0.436461}, {0.904281, 0.319610, 0.388137}, {0.960949, 0.418323, 0.359630},
    {0.986700, 0.535582, 0.382210}, {0.996096, 0.653659, 0.446213}, {0.996898, 0.769591, 0.534892},
    {0.992440, 0.884330, 0.640099}, {0.987053, 0.991438, 0.749504},
}};

// ColorBrewer "Greys" (9 classes), white to black.
constexpr std::array<unsigned, 9> kGreys = {0xffffff, 0xf0f0f0, 0xd9d9d9, 0xbdbdbd, 0x969696,
                                            0x737373, 0x525252, 0x252525, 0x000000};

// ColorBrewer "RdBu" (11 classes), reversed: blue for negative, red for
// positive, near-white at the centre.
constexpr std::array<unsigned, 11> kDiverging = {0x053061, 0x2166ac, 0x4393c3, 0x92c5de, 0xd1e5f0, 0xf7f7f7,
                                                 0xfddbc7, 0xf4a582, 0xd6604d, 0xb2182b, 0x67001f};

double tableIndexPosition(std::size_t i) {
    // The sampled entries sit at 0, 16, ..., 240 and 255 of 0..255.
    return i + 1 == kViridis.size() ? 1.0 : static_cast<double>(i * 16) / 255.0;
}

template <std::size_t N>
std::vector<ColorStop> fromTable(const std::array<Rgb, N>& table) {
    std::vector<ColorStop> stops;
    for (std::size_t i = 0; i < N; ++i) {
        stops.push_back({tableIndexPosition(i), QColor::fromRgbF(static_cast<float>(table[i].r),
                                                                 static_cast<float>(table[i].g),
                                                                 static_cast<float>(table[i].b))});
    }
    return stops;
}

template <std::size_t N>
std::vector<ColorStop> fromHex(const std::array<unsigned, N>& table) {
    std::vector<ColorStop> stops;
    for (std::size_t i = 0; i < N; ++i) {
        stops.push_back({static_cast<double>(i) / static_cast<double>(N - 1), QColor(QRgb(table[i]))});
    }
    return stops;
}

}  // namespace

std::vector<ColorStop> colormapStops(Colormap map) {
    switch (map) {
    case Colormap::Viridis: return fromTable(kViridis);
    case Colormap::Magma: return fromTable(kMagma);
    case Colormap::Greys: return fromHex(kGreys);
    case Colormap::Diverging: return fromHex(kDiverging);
    }
    return fromTable(kViridis);
}

QColor colormapColor(Colormap map, double t) {
    const auto stops = colormapStops(map);
    if (!std::isfinite(t)) t = 0;
    t = std::clamp(t, 0.0, 1.0);
    for (std::size_t i = 1; i < stops.size(); ++i) {
        if (t <= stops[i].position) {
            const ColorStop& a = stops[i - 1];
            const ColorStop& b = stops[i];
            const double f = (t - a.position) / (b.position - a.position);
            return QColor::fromRgbF(static_cast<float>(a.color.redF() + f * (b.color.redF() - a.color.redF())),
                                    static_cast<float>(a.color.greenF() + f * (b.color.greenF() - a.color.greenF())),
                                    static_cast<float>(a.color.blueF() + f * (b.color.blueF() - a.color.blueF())));
        }
    }
    return stops.back().color;
}

QString colormapName(Colormap map) {
    switch (map) {
    case Colormap::Viridis: return QStringLiteral("viridis");
    case Colormap::Magma: return QStringLiteral("magma");
    case Colormap::Greys: return QStringLiteral("greys");
    case Colormap::Diverging: return QStringLiteral("diverging");
    }
    return QStringLiteral("viridis");
}

std::optional<Colormap> colormapFromName(const QString& name) {
    for (Colormap m : {Colormap::Viridis, Colormap::Magma, Colormap::Greys, Colormap::Diverging}) {
        if (name.compare(colormapName(m), Qt::CaseInsensitive) == 0) return m;
    }
    return std::nullopt;
}

}  // namespace attnviz::ui
