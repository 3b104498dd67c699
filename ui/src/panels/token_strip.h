// The run's tokens as a wrapped row of chips: special tokens marked, the
// two segments of a sentence pair in two colours (and named in the
// tooltip), the highlighted token in the accent colour; the colours come
// from the palette, so a dark theme keeps them readable. Clicking a chip highlights that
// token's row and column in every view.
#pragma once

#include "attnviz/ui/session/session_result.h"

#include <QWidget>

#include <vector>

namespace attnviz::ui {

class TokenStrip : public QWidget {
    Q_OBJECT

public:
    explicit TokenStrip(QWidget* parent = nullptr);

    void setTokens(const std::vector<TokenLabel>& tokens);
    // Token type ids of a sentence pair (0: segment A, 1: segment B); empty,
    // or all 0, for one sentence.
    void setSegments(const std::vector<std::int32_t>& typeIds);
    // "A", "B" or "" (no pair) for token i.
    QString segmentOf(int i) const;
    // The chip's fill colour for token i (not highlighted, not hovered).
    QColor chipColor(int i) const;
    const std::vector<TokenLabel>& tokens() const { return m_tokens; }
    void setHighlightToken(int token);
    int highlightToken() const { return m_highlight; }
    int tokenAt(const QPoint& pos) const;

    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    void tokenClicked(int token);
    // The height the chips need at the current width changed.
    void contentHeightChanged(int height);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    bool event(QEvent* event) override;

private:
    std::vector<QRect> layoutChips(int width) const;
    QString chipText(int i) const;

    std::vector<TokenLabel> m_tokens;
    std::vector<std::int32_t> m_segments;
    std::vector<QRect> m_rects;
    int m_highlight = -1;
    int m_hover = -1;
};

}  // namespace attnviz::ui
