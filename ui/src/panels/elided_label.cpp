#include "panels/elided_label.h"

#include <QPainter>
#include <QStyle>
#include <QStyleOption>

namespace attnviz::ui {

ElidedLabel::ElidedLabel(QWidget* parent, int minimumCharacters)
    : QLabel(parent), m_minimumCharacters(minimumCharacters) {
    setTextFormat(Qt::PlainText);
    setWordWrap(false);
}

void ElidedLabel::setFullText(const QString& text) {
    setText(text);
    setToolTip(text);
}

QString ElidedLabel::shownText() const {
    const QRect r = contentsRect();
    return fontMetrics().elidedText(text(), Qt::ElideRight, r.width() - 2 * margin());
}

QSize ElidedLabel::minimumSizeHint() const {
    const QSize full = QLabel::minimumSizeHint();
    const int narrow = fontMetrics().averageCharWidth() * m_minimumCharacters + contentsMargins().left() +
                       contentsMargins().right() + 2 * margin();
    return {std::min(full.width(), narrow), full.height()};
}

void ElidedLabel::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    QStyleOption option;
    option.initFrom(this);
    const QRect r = contentsRect().adjusted(margin(), margin(), -margin(), -margin());
    style()->drawItemText(&painter, r, static_cast<int>(alignment()), option.palette, isEnabled(), shownText(),
                          foregroundRole());
}

}  // namespace attnviz::ui
