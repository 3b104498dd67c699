// Light or dark: View > Theme follows the system's palette (the default) or
// forces one. Widgets mark their secondary text with a role and the
// application's style sheet colours each role from the palette, so no grey is
// hard-coded; figures take their colours from figure_colors.h.
#pragma once

#include <QString>

#include <optional>

class QWidget;

namespace attnviz::ui {

enum class Theme { System, Light, Dark };

QString themeName(Theme theme);  // "system", "light", "dark"
std::optional<Theme> themeFromName(const QString& name);

// Sets the application's palette (the system's as it was at the first call,
// or a light or dark Fusion palette) and the style sheet of the text roles.
// Every widget gets a PaletteChange event, on which the views redraw.
void applyTheme(Theme theme);
Theme currentTheme();
// View > Theme's choice, kept in the settings (System when never chosen).
Theme savedTheme();
void saveTheme(Theme theme);

enum class TextRole {
    Normal,         // the palette's text colour
    Muted,          // secondary text: hints, notes, field captions
    Warning,        // e.g. a mask that is not the model's own
    Error,          // a problem next to a field
    BannerWarning,  // a full-width warning strip
    BannerError,    // a full-width error strip
};
// Re-polishes the widget when the role changes, so it may change at any time.
void setTextRole(QWidget* widget, TextRole role);

}  // namespace attnviz::ui
