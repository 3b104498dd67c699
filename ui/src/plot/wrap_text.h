// Word wrap of figure texts (titles, subtitles, formulas) to a pixel width.
#pragma once

#include <QFont>
#include <QString>

namespace attnviz::ui {

enum class WrapAt { Words, Phrases };

// `text` wrapped to `width` pixels in `font`, greedily. WrapAt::Phrases (for
// titles) makes lines of whole phrases where they fit (a comma or a
// separator such as "·" ends one), else of words; a word longer than a line
// gets its own. Text that fits stays as it is (runs of spaces included).
QString wrapText(const QString& text, const QFont& font, int width, WrapAt at = WrapAt::Words);

}  // namespace attnviz::ui
