#include "attnviz/ui/plot/figure_colors.h"

#include <QGuiApplication>

namespace attnviz::ui {
namespace {

// a + (b - a) * t per channel.
QColor mix(const QColor& a, const QColor& b, double t) {
    return QColor::fromRgbF(static_cast<float>(a.redF() + (b.redF() - a.redF()) * t),
                            static_cast<float>(a.greenF() + (b.greenF() - a.greenF()) * t),
                            static_cast<float>(a.blueF() + (b.blueF() - a.blueF()) * t));
}

}  // namespace

bool isDarkPalette(const QPalette& palette) {
    return palette.color(QPalette::Base).lightness() < palette.color(QPalette::Text).lightness();
}

FigureColors figureColors(const QPalette& palette) {
    FigureColors c;
    c.accent = QColor(255, 59, 48);
    c.bar = QColor(52, 120, 246);
    if (!isDarkPalette(palette)) {
        c.background = Qt::white;
        c.text = QColor(20, 20, 20);
        c.subtitle = QColor(90, 90, 90);
        c.formula = QColor(105, 105, 105);
        c.axisLabel = QColor(80, 80, 80);
        c.axisLine = QColor(120, 120, 120);
        c.subTick = QColor(160, 160, 160);
        c.masked = QColor(214, 214, 214);
        c.minusInfinity = QColor(40, 40, 40);
        c.hover = QColor(60, 60, 60);
        c.track = QColor(236, 238, 242);
        c.muted = QColor(85, 85, 85);
        c.warning = QColor(179, 89, 0);
        c.error = QColor(176, 0, 32);
        c.chip = QColor(238, 241, 246);
        c.chipHot = QColor(250, 200, 140);
        c.chipMarked = QColor(253, 230, 200);
        c.link = QColor(30, 84, 166);
        c.linkHot = QColor(222, 110, 10);
        return c;
    }
    c.dark = true;
    const QColor base = palette.color(QPalette::Base);
    const QColor text = palette.color(QPalette::Text);
    c.background = base;
    c.text = text;
    c.subtitle = mix(text, base, 0.25);
    c.formula = mix(text, base, 0.3);
    c.axisLabel = mix(text, base, 0.2);
    c.axisLine = mix(text, base, 0.45);
    c.subTick = mix(text, base, 0.6);
    // Masked cells stay distinct from both the background and the dark end
    // of the colormaps.
    c.masked = mix(base, text, 0.3);
    c.minusInfinity = mix(base, text, 0.12);
    c.hover = mix(text, base, 0.15);
    c.track = mix(base, text, 0.15);
    c.muted = mix(text, base, 0.3);
    c.warning = QColor(255, 170, 70);
    c.error = QColor(255, 120, 120);
    c.chip = mix(base, text, 0.15);
    c.chipHot = QColor(150, 95, 30);
    c.chipMarked = QColor(110, 75, 35);
    c.link = QColor(110, 165, 245);
    c.linkHot = QColor(255, 160, 60);
    return c;
}

FigureColors figureColors() { return figureColors(QGuiApplication::palette()); }

}  // namespace attnviz::ui
