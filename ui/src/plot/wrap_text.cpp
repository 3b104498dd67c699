#include "plot/wrap_text.h"

#include <QFontMetrics>
#include <QStringList>

namespace attnviz::ui {

QString wrapText(const QString& text, const QFont& font, int width) {
    const QFontMetrics fm(font);
    if (!text.contains(QLatin1Char('\n')) && fm.horizontalAdvance(text) <= width) return text;
    QStringList lines;
    QString line;
    for (const QString& word : text.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        const QString candidate = line.isEmpty() ? word : line + QLatin1Char(' ') + word;
        if (!line.isEmpty() && fm.horizontalAdvance(candidate) > width) {
            lines << line;
            line = word;
        } else {
            line = candidate;
        }
    }
    if (!line.isEmpty()) lines << line;
    return lines.join(QLatin1Char('\n'));
}

}  // namespace attnviz::ui
