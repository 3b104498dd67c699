#include "plot/wrap_text.h"

#include <QFontMetrics>
#include <QStringList>

namespace attnviz::ui {
namespace {

// Greedy wrap of `parts` (joined by single spaces) to `width`.
QStringList greedy(const QStringList& parts, const QFontMetrics& fm, int width) {
    QStringList lines;
    QString line;
    for (const QString& part : parts) {
        const QString candidate = line.isEmpty() ? part : line + QLatin1Char(' ') + part;
        if (!line.isEmpty() && fm.horizontalAdvance(candidate) > width) {
            lines << line;
            line = part;
        } else {
            line = candidate;
        }
    }
    if (!line.isEmpty()) lines << line;
    return lines;
}

// A space after a comma or semicolon, or beside a separator (·, −, |), ends
// a phrase: "L3 H0, L3 H3" breaks after the comma rather than inside "L3 H0".
bool endsPhrase(const QString& before, const QString& after) {
    static const QString separators = QStringLiteral("\u00b7\u2212|");
    return before.endsWith(QLatin1Char(',')) || before.endsWith(QLatin1Char(';')) ||
           (before.size() == 1 && separators.contains(before)) || (after.size() == 1 && separators.contains(after));
}

}  // namespace

QString wrapText(const QString& text, const QFont& font, int width, WrapAt at) {
    const QFontMetrics fm(font);
    if (!text.contains(QLatin1Char('\n')) && fm.horizontalAdvance(text) <= width) return text;
    const QStringList words = text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (at == WrapAt::Words) return greedy(words, fm, width).join(QLatin1Char('\n'));
    QStringList phrases;
    for (int i = 0; i < words.size(); ++i) {
        if (i > 0 && !endsPhrase(words[i - 1], words[i])) {
            phrases.last() += QLatin1Char(' ') + words[i];
        } else {
            phrases << words[i];
        }
    }
    // Lines of whole phrases; a phrase wider than a line is wrapped by words.
    QStringList lines;
    for (const QString& line : greedy(phrases, fm, width)) {
        if (fm.horizontalAdvance(line) <= width) {
            lines << line;
        } else {
            lines << greedy(line.split(QLatin1Char(' ')), fm, width);
        }
    }
    return lines.join(QLatin1Char('\n'));
}

}  // namespace attnviz::ui
