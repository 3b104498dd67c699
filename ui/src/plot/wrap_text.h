// Word wrap of figure texts (titles, subtitles, formulas) to a pixel width.
#pragma once

#include <QFont>
#include <QString>

namespace attnviz::ui {

// Greedy word wrap of `text` to `width` pixels in `font`; a word longer than
// a line gets its own. Text that fits stays as it is (runs of spaces included).
QString wrapText(const QString& text, const QFont& font, int width);

}  // namespace attnviz::ui
