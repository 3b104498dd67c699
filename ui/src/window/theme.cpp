#include "attnviz/ui/window/theme.h"

#include "attnviz/ui/plot/figure_colors.h"

#include <QApplication>
#include <QPalette>
#include <QSettings>
#include <QStyle>
#include <QStyleFactory>
#include <QWidget>

namespace attnviz::ui {
namespace {

struct ThemeState {
    bool captured = false;
    QPalette system;  // the platform's palette before attnviz changed it
    Theme current = Theme::System;
};

ThemeState& state() {
    static ThemeState s;
    return s;
}

QPalette darkPalette() {
    QPalette p;
    const QColor window(45, 45, 48);
    const QColor base(30, 30, 32);
    const QColor text(225, 225, 228);
    const QColor disabled(130, 130, 134);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(40, 40, 43));
    p.setColor(QPalette::ToolTipBase, QColor(60, 60, 64));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, disabled);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor(255, 90, 90));
    p.setColor(QPalette::Light, QColor(70, 70, 74));
    p.setColor(QPalette::Midlight, QColor(58, 58, 62));
    p.setColor(QPalette::Mid, QColor(38, 38, 40));
    p.setColor(QPalette::Dark, QColor(22, 22, 24));
    p.setColor(QPalette::Shadow, Qt::black);
    p.setColor(QPalette::Highlight, QColor(42, 110, 200));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(110, 170, 255));
    p.setColor(QPalette::LinkVisited, QColor(170, 140, 255));
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText}) {
        p.setColor(QPalette::Disabled, role, disabled);
    }
    return p;
}

QString roleName(TextRole role) {
    switch (role) {
    case TextRole::Normal: return {};
    case TextRole::Muted: return QStringLiteral("muted");
    case TextRole::Warning: return QStringLiteral("warning");
    case TextRole::Error: return QStringLiteral("error");
    case TextRole::BannerWarning: return QStringLiteral("bannerWarning");
    case TextRole::BannerError: return QStringLiteral("bannerError");
    }
    return {};
}

QString styleSheetFor(const QPalette& palette) {
    const FigureColors c = figureColors(palette);
    const auto rule = [](TextRole role, const QString& body) {
        return QStringLiteral("*[textRole=\"%1\"] { %2 }\n").arg(roleName(role), body);
    };
    const QString banner = QStringLiteral("background: %1; color: %2; padding: 6px 10px; border-bottom: 1px solid %3;");
    QString sheet;
    sheet += rule(TextRole::Muted, QStringLiteral("color: %1;").arg(c.muted.name()));
    sheet += rule(TextRole::Warning, QStringLiteral("color: %1;").arg(c.warning.name()));
    sheet += rule(TextRole::Error, QStringLiteral("color: %1;").arg(c.error.name()));
    if (c.dark) {
        sheet += rule(TextRole::BannerWarning, banner.arg(QStringLiteral("#4a3b12"), QStringLiteral("#ffe3a0"), QStringLiteral("#6b5620")));
        sheet += rule(TextRole::BannerError, banner.arg(QStringLiteral("#5a1f1a"), QStringLiteral("#ffd2cc"), QStringLiteral("#7a2e27")));
    } else {
        sheet += rule(TextRole::BannerWarning, banner.arg(QStringLiteral("#fff7e0"), QStringLiteral("#6b4e00"), QStringLiteral("#f0deaa")));
        sheet += rule(TextRole::BannerError, banner.arg(QStringLiteral("#fdecea"), QStringLiteral("#8a1c12"), QStringLiteral("#f5c2bd")));
    }
    return sheet;
}

}  // namespace

QString themeName(Theme theme) {
    switch (theme) {
    case Theme::System: return QStringLiteral("system");
    case Theme::Light: return QStringLiteral("light");
    case Theme::Dark: return QStringLiteral("dark");
    }
    return {};
}

std::optional<Theme> themeFromName(const QString& name) {
    for (Theme t : {Theme::System, Theme::Light, Theme::Dark}) {
        if (themeName(t) == name) return t;
    }
    return std::nullopt;
}

void applyTheme(Theme theme) {
    ThemeState& s = state();
    if (!s.captured) {
        s.system = QApplication::palette();
        s.captured = true;
    }
    s.current = theme;
    QPalette palette = s.system;
    if (theme == Theme::Dark) {
        palette = darkPalette();
    } else if (theme == Theme::Light) {
        palette = QApplication::style()->standardPalette();
        static QStyle* const fusion = QStyleFactory::create(QStringLiteral("Fusion"));
        if (isDarkPalette(palette)) palette = fusion->standardPalette();
    }
    // Fusion draws every palette faithfully (some platform styles ignore a
    // dark one); the system theme keeps the platform's style.
    if (theme != Theme::System && QApplication::style()->name().compare(QLatin1String("fusion"), Qt::CaseInsensitive) != 0) {
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    }
    QApplication::setPalette(palette);
    qApp->setStyleSheet(styleSheetFor(palette));
}

Theme currentTheme() { return state().current; }

Theme savedTheme() {
    const QSettings settings(QStringLiteral("attnviz"), QStringLiteral("attnviz"));
    return themeFromName(settings.value(QStringLiteral("view/theme")).toString()).value_or(Theme::System);
}

void saveTheme(Theme theme) {
    QSettings settings(QStringLiteral("attnviz"), QStringLiteral("attnviz"));
    settings.setValue(QStringLiteral("view/theme"), themeName(theme));
}

void setTextRole(QWidget* widget, TextRole role) {
    const QString name = roleName(role);
    if (widget->property("textRole").toString() == name) return;
    widget->setProperty("textRole", name);
    widget->style()->unpolish(widget);
    widget->style()->polish(widget);
    widget->update();
}

}  // namespace attnviz::ui
