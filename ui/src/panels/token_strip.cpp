#include "panels/token_strip.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>

namespace attnviz::ui {
namespace {

constexpr int kPadX = 5;
constexpr int kPadY = 2;
constexpr int kGap = 4;

}  // namespace

TokenStrip::TokenStrip(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
}

QString TokenStrip::chipText(int i) const {
    const QString& t = m_tokens[i].text;
    return t.size() > 24 ? t.left(23) + QStringLiteral("…") : t;
}

void TokenStrip::setTokens(const std::vector<TokenLabel>& tokens) {
    m_tokens = tokens;
    if (m_highlight >= static_cast<int>(m_tokens.size())) m_highlight = -1;
    m_hover = -1;
    m_rects = layoutChips(width());
    updateGeometry();
    update();
    emit contentHeightChanged(heightForWidth(width()));
}

void TokenStrip::setSegments(const std::vector<std::int32_t>& typeIds) {
    const bool pair = std::any_of(typeIds.begin(), typeIds.end(), [](std::int32_t t) { return t != 0; });
    m_segments = pair ? typeIds : std::vector<std::int32_t>{};
    update();
}

QString TokenStrip::segmentOf(int i) const {
    if (i < 0 || i >= static_cast<int>(m_segments.size())) return {};
    return m_segments[static_cast<std::size_t>(i)] == 0 ? QStringLiteral("A") : QStringLiteral("B");
}

QColor TokenStrip::chipColor(int i) const {
    // Tints of the palette's own colours: light chips on a light window,
    // dark ones on a dark window.
    const QPalette& pal = palette();
    const QColor base = pal.color(QPalette::Base);
    const auto mix = [&base](const QColor& c, double amount) {
        return QColor::fromRgbF(base.redF() + (c.redF() - base.redF()) * amount,
                                base.greenF() + (c.greenF() - base.greenF()) * amount,
                                base.blueF() + (c.blueF() - base.blueF()) * amount);
    };
    if (m_tokens[static_cast<std::size_t>(i)].special) return mix(pal.color(QPalette::Text), 0.08);
    if (segmentOf(i) == QLatin1String("B")) return mix(QColor(230, 140, 20), 0.22);  // orange: the second sentence
    return mix(pal.color(QPalette::Highlight), 0.16);
}

void TokenStrip::setHighlightToken(int token) {
    m_highlight = token;
    update();
}

std::vector<QRect> TokenStrip::layoutChips(int width) const {
    std::vector<QRect> rects;
    const QFontMetrics fm(font());
    const int h = fm.height() + 2 * kPadY;
    int x = 0;
    int y = 0;
    for (int i = 0; i < static_cast<int>(m_tokens.size()); ++i) {
        const int w = fm.horizontalAdvance(chipText(i)) + 2 * kPadX;
        if (x > 0 && x + w > width) {
            x = 0;
            y += h + kGap;
        }
        rects.emplace_back(x, y, w, h);
        x += w + kGap;
    }
    return rects;
}

int TokenStrip::heightForWidth(int width) const {
    const auto rects = layoutChips(width);
    return rects.empty() ? QFontMetrics(font()).height() + 2 * kPadY : rects.back().bottom() + 1;
}

QSize TokenStrip::sizeHint() const { return {400, heightForWidth(width() > 0 ? width() : 400)}; }

QSize TokenStrip::minimumSizeHint() const { return {100, QFontMetrics(font()).height() + 2 * kPadY}; }

void TokenStrip::resizeEvent(QResizeEvent*) {
    m_rects = layoutChips(width());
    updateGeometry();
    emit contentHeightChanged(heightForWidth(width()));
}

int TokenStrip::tokenAt(const QPoint& pos) const {
    for (std::size_t i = 0; i < m_rects.size(); ++i) {
        if (m_rects[i].contains(pos)) return static_cast<int>(i);
    }
    return -1;
}

void TokenStrip::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette& pal = palette();
    for (std::size_t i = 0; i < m_rects.size(); ++i) {
        const QRect r = m_rects[i];
        const bool highlighted = static_cast<int>(i) == m_highlight;
        const bool hovered = static_cast<int>(i) == m_hover;
        QColor fill = chipColor(static_cast<int>(i));
        if (hovered) fill = pal.color(QPalette::Base).lightness() > 128 ? fill.darker(110) : fill.lighter(130);
        if (highlighted) fill = QColor(255, 59, 48);
        p.setPen(Qt::NoPen);
        p.setBrush(fill);
        p.drawRoundedRect(QRectF(r).adjusted(0.5, 0.5, -0.5, -0.5), 4, 4);
        QFont f = font();
        f.setItalic(m_tokens[i].special);
        p.setFont(f);
        p.setPen(highlighted ? QColor(Qt::white)
                             : (m_tokens[i].special ? pal.color(QPalette::PlaceholderText) : pal.color(QPalette::Text)));
        p.drawText(r, Qt::AlignCenter, chipText(static_cast<int>(i)));
    }
}

void TokenStrip::mousePressEvent(QMouseEvent* event) {
    const int i = tokenAt(event->position().toPoint());
    if (i < 0 || event->button() != Qt::LeftButton) return;
    m_highlight = i == m_highlight ? -1 : i;
    update();
    emit tokenClicked(m_highlight);
}

void TokenStrip::mouseMoveEvent(QMouseEvent* event) {
    const int i = tokenAt(event->position().toPoint());
    if (i != m_hover) {
        m_hover = i;
        update();
    }
}

bool TokenStrip::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const int i = tokenAt(help->pos());
        if (i >= 0) {
            const QString segment = segmentOf(i);
            QToolTip::showText(help->globalPos(),
                               QStringLiteral("token %1: '%2' (id %3%4%5)")
                                   .arg(i)
                                   .arg(m_tokens[i].text)
                                   .arg(m_tokens[i].id)
                                   .arg(m_tokens[i].special ? QStringLiteral(", special") : QString())
                                   .arg(segment.isEmpty() ? QString() : QStringLiteral(", segment ") + segment),
                               this);
        } else {
            QToolTip::hideText();
        }
        return true;
    }
    if (event->type() == QEvent::Leave && m_hover >= 0) {
        m_hover = -1;
        update();
    }
    return QWidget::event(event);
}

}  // namespace attnviz::ui
