// A one-line label that gives up width when the window is narrow: it asks
// for its whole text but shrinks to `minimumWidth` characters' worth, drawing
// the text with an ellipsis and keeping all of it in the tooltip.
#pragma once

#include <QLabel>

namespace attnviz::ui {

class ElidedLabel : public QLabel {
    Q_OBJECT

public:
    explicit ElidedLabel(QWidget* parent = nullptr, int minimumCharacters = 8);

    // Sets the text and the tooltip (the whole text).
    void setFullText(const QString& text);
    QString fullText() const { return text(); }
    // The text as drawn at the current width.
    QString shownText() const;

    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    int m_minimumCharacters;
};

}  // namespace attnviz::ui
