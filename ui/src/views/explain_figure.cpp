#include "views/explain_figure.h"

#include "attnviz/ui/plot/colormap.h"
#include "attnviz/ui/plot/figure_colors.h"

#include <QFontMetricsF>
#include <QGuiApplication>
#include <QPainter>

#include <algorithm>
#include <numeric>

namespace attnviz::ui {
namespace {

constexpr double kMargin = 14;
constexpr double kRow = 17;       // one key
constexpr double kStrip = 14;     // height of the x and q strips
constexpr double kCaption = 17;   // a caption line above a strip
constexpr double kGap = 10;       // between table columns
constexpr double kNumber = 66;    // a numeric column
constexpr double kBar = 118;      // the a_ij column
constexpr double kMaxCell = 10;   // widest cell of a strip
constexpr double kTitle = 24;
constexpr double kSubtitle = 18;

QFont pixelFont(int size, bool bold = false) {
    QFont f;
    f.setPixelSize(size);
    f.setBold(bold);
    return f;
}

float maxAbs(const std::vector<float>& v) {
    float m = 0;
    for (float x : v) m = std::max(m, std::abs(x));
    return m > 0 ? m : 1.0f;
}

QColor signedColor(float v, float range) { return colormapColor(Colormap::Diverging, 0.5 + 0.5 * v / range); }

QString num(double v, int digits = 4) { return QString::number(v, 'f', digits); }

}  // namespace

// Geometry of one drawing: every part's rectangle, from the size and data.
struct ExplainFigure::Layout {
    double left = 0;
    QRectF title, subtitle;
    QRectF xCaption, xStrip;
    double xCell = 0;
    QRectF qBeforeCaption, qBeforeStrip;  // empty without RoPE
    QRectF qCaption, qStrip;
    QRectF header;    // column titles
    double tableTop = 0;
    double labelX = 0, labelW = 0;
    double kX = 0, stripW = 0, cell = 0;
    double scoreX = 0, scaledX = 0, maskedX = 0, barX = 0, vX = 0;
    QRectF sumRow;    // under the table: the sum and o_i
    QRectF next;      // where o_i goes
    double height = 0;
    double width = 0;

    QRectF rowRect(int j) const { return QRectF(left, tableTop + j * kRow, width - 2 * kMargin, kRow); }
    QRectF cellRect(double x, int j, int d) const { return QRectF(x + d * cell, tableTop + j * kRow + 2, cell, kRow - 4); }
};

void ExplainFigure::setData(ExplainData data) {
    m_data = std::move(data);
    m_products = m_data.valid() ? core::queryKeyProducts(m_data.row) : std::vector<float>();
    setOptions(m_options);
}

void ExplainFigure::setOptions(ExplainOptions options) {
    m_options = options;
    const core::ExplainedRow& r = m_data.row;
    const int hd = static_cast<int>(r.q.size());
    m_order.resize(hd);
    std::iota(m_order.begin(), m_order.end(), 0);
    const int key = m_options.sortKey;
    if (m_options.keyColumn == KeyColumn::Products && key >= 0 && key < r.keys) {
        const float* p = m_products.data() + static_cast<std::size_t>(key) * hd;
        std::stable_sort(m_order.begin(), m_order.end(), [p](int a, int b) { return p[a] > p[b]; });
    }
}

QString ExplainFigure::title() const {
    if (!m_data.valid()) return QStringLiteral("Explain");
    const core::ExplainedRow& r = m_data.row;
    QString head = QStringLiteral("L%1 H%2").arg(r.layer).arg(r.head);
    if (!m_data.kvGroup.isEmpty()) head += QStringLiteral(" · ") + m_data.kvGroup;
    return QStringLiteral("%1 · %2 · %3 %4 \u201c%5\u201d")
        .arg(m_data.modelName, head, m_data.cross ? QStringLiteral("decoder query") : QStringLiteral("query"))
        .arg(r.query)
        .arg(m_data.queryLabel);
}

QString ExplainFigure::subtitle() const {
    if (!m_data.valid()) return {};
    const core::ExplainedRow& r = m_data.row;
    QString rule = QStringLiteral("scaled = %1 \u00b7 q\u00b7k").arg(num(r.scale, 5));
    if (r.softcap > 0) rule = QStringLiteral("scaled = %1 \u00b7 tanh(%2 \u00b7 q\u00b7k / %1)").arg(num(r.softcap, 1), num(r.scale, 5));
    if (!r.positionBias.empty()) rule += QStringLiteral(" + b_ij (position bias)");
    QString text = QStringLiteral("a_ij = softmax_j(scaled + mask), %1 (scale: %2)").arg(rule, QString::fromStdString(r.scaleRule));
    if (m_data.cross) text += QStringLiteral("\nThe keys k_j and values v_j come from the encoder's output, one per source token; nothing is masked.");
    if (m_options.keyColumn == KeyColumn::Products) {
        text += m_options.sortKey >= 0 && m_options.sortKey < r.keys
                    ? QStringLiteral("\nq \u2299 k_j (each row sums to q\u00b7k_j), dimensions sorted by their share of q\u00b7k for key %1")
                          .arg(m_options.sortKey)
                    : QStringLiteral("\nq \u2299 k_j: each row sums to q\u00b7k_j; click a row to sort the dimensions by it");
    }
    return text;
}

ExplainFigure::Layout ExplainFigure::layoutFor(QSize size) const {
    Layout l;
    const core::ExplainedRow& r = m_data.row;
    const int hd = std::max<int>(1, static_cast<int>(r.q.size()));
    const int dm = std::max<int>(1, static_cast<int>(r.x.size()));
    l.width = size.width();
    l.left = kMargin;
    const double inner = l.width - 2 * kMargin;
    double y = kMargin;
    l.title = QRectF(l.left, y, inner, kTitle);
    y += kTitle;
    // As many lines as the subtitle takes at this width.
    const QFontMetricsF subtitleMetrics(pixelFont(12));
    const double subtitle = std::max(kSubtitle, subtitleMetrics.boundingRect(QRectF(0, 0, inner, 1000),
                                                                             Qt::TextWordWrap, this->subtitle()).height() + 2);
    l.subtitle = QRectF(l.left, y, inner, subtitle);
    y += subtitle + 8;

    // The table's columns: label, k strip, three numbers, bar, v strip.
    const QFontMetricsF fm(pixelFont(12));
    double widest = 0;
    for (int j = 0; j < m_data.labels.size(); ++j) {
        widest = std::max(widest, fm.horizontalAdvance(QStringLiteral("%1 %2").arg(j).arg(m_data.labels[j])));
    }
    l.labelW = std::clamp(widest + 10, 50.0, 150.0);
    l.labelX = l.left;
    const double fixed = l.labelW + 3 * kNumber + kBar + 6 * kGap;
    l.stripW = std::max(static_cast<double>(hd), (inner - fixed) / 2);
    l.cell = std::min(kMaxCell, l.stripW / hd);
    l.stripW = l.cell * hd;
    l.kX = l.labelX + l.labelW + kGap;
    l.scoreX = l.kX + l.stripW + kGap;
    l.scaledX = l.scoreX + kNumber + kGap;
    l.maskedX = l.scaledX + kNumber + kGap;
    l.barX = l.maskedX + kNumber + kGap;
    l.vX = l.barX + kBar + kGap;

    // x over the whole width the table uses; q above the k column, cell
    // for cell (q_d lines up with k_jd).
    l.xCell = std::min(kMaxCell, std::max(1.0, (l.vX + l.stripW - l.kX) / dm));
    l.xCaption = QRectF(l.left, y, inner, kCaption);
    y += kCaption;
    l.xStrip = QRectF(l.kX, y, l.xCell * dm, kStrip);
    y += kStrip + 8;
    if (!r.qBeforeRope.empty()) {
        l.qBeforeCaption = QRectF(l.left, y, inner, kCaption);
        y += kCaption;
        l.qBeforeStrip = QRectF(l.kX, y, l.stripW, kStrip);
        y += kStrip + 6;
    }
    l.qCaption = QRectF(l.left, y, inner, kCaption);
    y += kCaption;
    l.qStrip = QRectF(l.kX, y, l.stripW, kStrip);
    y += kStrip + 12;
    l.header = QRectF(l.left, y, inner, kCaption);
    y += kCaption + 2;
    l.tableTop = y;
    y += r.keys * kRow + 4;
    l.sumRow = QRectF(l.left, y, inner, kStrip + 6);
    y += kStrip + 16;
    l.next = QRectF(l.left, y, inner, 3 * 17);
    y += 3 * 17 + kMargin;
    l.height = y;
    l.width = std::max(l.width, l.vX + l.stripW + kMargin);
    return l;
}

QSize ExplainFigure::sizeFor(int width) const {
    const Layout l = layoutFor(QSize(width, 0));
    return QSize(static_cast<int>(std::ceil(l.width)), static_cast<int>(std::ceil(l.height)));
}

void ExplainFigure::render(QPainter& painter, QSize size, QRectF exposed) const {
    if (exposed.isEmpty()) exposed = QRectF(QPointF(0, 0), QSizeF(size));
    const FigureColors colors = figureColors();
    painter.save();
    painter.fillRect(QRect(QPoint(0, 0), size), colors.background);
    if (!m_data.valid()) {
        painter.restore();
        return;
    }
    const core::ExplainedRow& r = m_data.row;
    const int hd = static_cast<int>(r.q.size());
    const Layout l = layoutFor(size);
    painter.setPen(colors.text);
    painter.setFont(pixelFont(15, true));
    painter.drawText(l.title, Qt::AlignLeft | Qt::AlignVCenter, title());
    painter.setFont(pixelFont(12));
    painter.setPen(colors.subtitle);
    painter.drawText(l.subtitle, Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, subtitle());

    const auto strip = [&](const QRectF& box, const float* v, int n, float range, const std::vector<int>* order) {
        const double w = box.width() / n;
        for (int d = 0; d < n; ++d) {
            const int src = order ? (*order)[d] : d;
            painter.fillRect(QRectF(box.left() + d * w, box.top(), w + 0.3, box.height()), signedColor(v[src], range));
        }
        painter.setPen(QPen(colors.axisLine, 0.6));
        painter.setBrush(Qt::NoBrush);
        painter.drawRect(box);
    };
    const auto caption = [&](const QRectF& box, const QString& text) {
        painter.setPen(colors.text);
        painter.setFont(pixelFont(12, true));
        painter.drawText(box, Qt::AlignLeft | Qt::AlignVCenter, text);
    };

    // 1. x_i, 2. q_i.
    const int dm = static_cast<int>(r.x.size());
    caption(l.xCaption, (m_data.cross ? QStringLiteral("1 · x_i: the decoder's state for “%1” entering cross-attention (d_model = %2)")
                                      : QStringLiteral("1 · x_i: the attention block's input for “%1” after its norm (d_model = %2)"))
                            .arg(m_data.queryLabel)
                            .arg(dm));
    strip(l.xStrip, r.x.data(), dm, maxAbs(r.x), nullptr);
    const float qRange = std::max(maxAbs(r.q), r.qBeforeRope.empty() ? 0.0f : maxAbs(r.qBeforeRope));
    const bool products = m_options.keyColumn == KeyColumn::Products;
    const std::vector<int>* order = products ? &m_order : nullptr;
    if (!r.qBeforeRope.empty()) {
        caption(l.qBeforeCaption, QStringLiteral("2a · x_i W_Q: the query before the rotation (d_head = %1)").arg(hd));
        strip(l.qBeforeStrip, r.qBeforeRope.data(), hd, qRange, order);
        caption(l.qCaption, QStringLiteral("2b · q_i: rotated by its position (RoPE), as it enters the dot product"));
    } else {
        caption(l.qCaption, QStringLiteral("2 · q_i = x_i W_Q (+ b_Q), d_head = %1").arg(hd));
    }
    strip(l.qStrip, r.q.data(), hd, qRange, order);

    // 3. the table.
    painter.setFont(pixelFont(12, true));
    painter.setPen(colors.text);
    const auto head = [&](double x, double w, const QString& text, Qt::Alignment a = Qt::AlignRight) {
        painter.drawText(QRectF(x, l.header.top(), w, l.header.height()), a | Qt::AlignVCenter, text);
    };
    head(l.labelX, l.labelW, m_data.cross ? QStringLiteral("source key j") : QStringLiteral("key j"), Qt::AlignLeft);
    head(l.kX, l.stripW, products ? QStringLiteral("q \u2299 k_j") : QStringLiteral("k_j"), Qt::AlignLeft);
    head(l.scoreX, kNumber, QStringLiteral("q\u00b7k_j"));
    head(l.scaledX, kNumber, QStringLiteral("scaled"));
    head(l.maskedX, kNumber, QStringLiteral("masked"));
    head(l.barX, kBar, QStringLiteral("a_ij"), Qt::AlignLeft);
    head(l.vX, l.stripW, QStringLiteral("v_j"), Qt::AlignLeft);

    const float kRange = products ? maxAbs(m_products) : maxAbs(r.k);
    const float vRange = std::max(maxAbs(r.v), maxAbs(r.output));
    const std::vector<float>& kValues = products ? m_products : r.k;
    const float pMax = std::max(1e-6f, *std::max_element(r.probabilities.begin(), r.probabilities.end()));
    painter.setFont(pixelFont(12));
    for (int j = 0; j < r.keys; ++j) {
        const QRectF row = l.rowRect(j);
        if (!row.adjusted(-4, -2, 4, 2).intersects(exposed)) continue;
        const bool visible = r.visible[j] != 0;
        if (j == r.query && !m_data.cross) {
            painter.setPen(QPen(colors.accent, 1.5));
            painter.setBrush(Qt::NoBrush);
            painter.drawRect(row.adjusted(-3, 0, 3, 0));
        }
        painter.setPen(visible ? colors.text : colors.muted);
        painter.drawText(QRectF(l.labelX, row.top(), l.labelW - 4, kRow), Qt::AlignLeft | Qt::AlignVCenter,
                         QStringLiteral("%1 %2").arg(j).arg(m_data.labels.value(j)));
        strip(QRectF(l.kX, row.top() + 2, l.stripW, kRow - 4), kValues.data() + static_cast<std::size_t>(j) * hd, hd,
              kRange, order);
        painter.setPen(visible ? colors.text : colors.muted);
        painter.drawText(QRectF(l.scoreX, row.top(), kNumber, kRow), Qt::AlignRight | Qt::AlignVCenter, num(r.scores[j]));
        painter.drawText(QRectF(l.scaledX, row.top(), kNumber, kRow), Qt::AlignRight | Qt::AlignVCenter, num(r.scaled[j]));
        painter.drawText(QRectF(l.maskedX, row.top(), kNumber, kRow), Qt::AlignRight | Qt::AlignVCenter,
                         visible ? num(r.scaled[j]) : QStringLiteral("\u2212\u221e"));
        const QRectF track(l.barX, row.top() + 3, kBar - 56, kRow - 6);
        painter.fillRect(track, colors.track);
        QRectF bar = track;
        bar.setWidth(track.width() * r.probabilities[j] / pMax);
        painter.fillRect(bar, colors.bar);
        painter.setPen(visible ? colors.text : colors.muted);
        painter.drawText(QRectF(track.right(), row.top(), 54, kRow), Qt::AlignRight | Qt::AlignVCenter,
                         num(r.probabilities[j]));
        strip(QRectF(l.vX, row.top() + 2, l.stripW, kRow - 4), r.v.data() + static_cast<std::size_t>(j) * hd, hd, vRange,
              nullptr);
    }

    // The row's sum and the weighted sum of the values.
    double sum = 0;
    for (float p : r.probabilities) sum += p;
    painter.setPen(colors.text);
    painter.setFont(pixelFont(12, true));
    painter.drawText(QRectF(l.maskedX, l.sumRow.top(), l.barX + kBar - l.maskedX, l.sumRow.height()),
                     Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("\u03a3_j a_ij = %1").arg(num(sum, 6)));
    painter.drawText(QRectF(l.labelX, l.sumRow.top(), l.labelW + l.stripW, l.sumRow.height()), Qt::AlignLeft | Qt::AlignVCenter,
                     QStringLiteral("o_i = \u03a3_j a_ij v_j \u2192"));
    strip(QRectF(l.vX, l.sumRow.top() + 3, l.stripW, kStrip), r.output.data(), hd, vRange, nullptr);

    // Where o_i goes.
    painter.setFont(pixelFont(12));
    painter.setPen(colors.subtitle);
    QString next = QStringLiteral("Next: o_i fills columns %1..%2 of the concatenation of the %3 heads' outputs "
                                  "(%4 values), which W_O maps back to d_model = %5.")
                       .arg(r.head * hd)
                       .arg((r.head + 1) * hd - 1)
                       .arg(m_data.nHeads)
                       .arg(m_data.nHeads * hd)
                       .arg(m_data.dModel);
    QString share;
    if (std::isfinite(m_data.contribution) && std::isfinite(m_data.blockOutput)) {
        share = QStringLiteral("This head's part of it, o_i W_O^h, has norm %1; the whole block's output, %2.")
                    .arg(num(m_data.contribution, 3), num(m_data.blockOutput, 3));
    }
    if (!m_data.residualRule.isEmpty()) share += QStringLiteral(" Residual: %1.").arg(m_data.residualRule);
    painter.drawText(l.next, Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, next + QLatin1Char(' ') + share);
    painter.restore();
}

ExplainHit ExplainFigure::hitTest(QSize size, QPointF p) const {
    ExplainHit hit;
    if (!m_data.valid()) return hit;
    const Layout l = layoutFor(size);
    const core::ExplainedRow& r = m_data.row;
    const int hd = static_cast<int>(r.q.size());
    const auto inStrip = [&](const QRectF& box, int n) {
        return box.contains(p) ? std::clamp(static_cast<int>((p.x() - box.left()) / (box.width() / n)), 0, n - 1) : -1;
    };
    const bool products = m_options.keyColumn == KeyColumn::Products;
    const auto sourceDim = [&](int d) { return products ? m_order[d] : d; };
    if (int d = inStrip(l.xStrip, static_cast<int>(r.x.size())); d >= 0) return {ExplainHit::Part::X, -1, d};
    if (!l.qBeforeStrip.isEmpty()) {
        if (int d = inStrip(l.qBeforeStrip, hd); d >= 0) return {ExplainHit::Part::QBeforeRope, -1, sourceDim(d)};
    }
    if (int d = inStrip(l.qStrip, hd); d >= 0) return {ExplainHit::Part::Q, -1, sourceDim(d)};
    if (int d = inStrip(QRectF(l.vX, l.sumRow.top() + 3, l.stripW, kStrip), hd); d >= 0) {
        return {ExplainHit::Part::Output, -1, d};
    }
    const int j = static_cast<int>(std::floor((p.y() - l.tableTop) / kRow));
    if (j < 0 || j >= r.keys) return hit;
    const double x = p.x();
    if (x >= l.labelX && x < l.labelX + l.labelW) return {ExplainHit::Part::Token, j, -1};
    if (x >= l.kX && x < l.kX + l.stripW) {
        const int d = std::clamp(static_cast<int>((x - l.kX) / l.cell), 0, hd - 1);
        return {products ? ExplainHit::Part::Products : ExplainHit::Part::K, j, sourceDim(d)};
    }
    if (x >= l.scoreX && x < l.scoreX + kNumber) return {ExplainHit::Part::Score, j, -1};
    if (x >= l.scaledX && x < l.scaledX + kNumber) return {ExplainHit::Part::Scaled, j, -1};
    if (x >= l.maskedX && x < l.maskedX + kNumber) return {ExplainHit::Part::Masked, j, -1};
    if (x >= l.barX && x < l.barX + kBar) return {ExplainHit::Part::Probability, j, -1};
    if (x >= l.vX && x < l.vX + l.stripW) {
        return {ExplainHit::Part::V, j, std::clamp(static_cast<int>((x - l.vX) / l.cell), 0, hd - 1)};
    }
    return hit;
}

QString ExplainFigure::hitText(const ExplainHit& h) const {
    const core::ExplainedRow& r = m_data.row;
    const int hd = static_cast<int>(r.q.size());
    const auto at = [&](const std::vector<float>& v, int row, int d) { return v[static_cast<std::size_t>(row) * hd + d]; };
    const QString key = h.key >= 0 ? QStringLiteral("%1 \u201c%2\u201d").arg(h.key).arg(m_data.labels.value(h.key)) : QString();
    switch (h.part) {
    case ExplainHit::Part::None: return {};
    case ExplainHit::Part::Token:
        return m_data.cross ? QStringLiteral("source key %1 (the query is a decoder token: choose it in the views above)").arg(key)
                            : QStringLiteral("key %1: click to make it the query").arg(key);
    case ExplainHit::Part::X: return QStringLiteral("x_i[%1] = %2").arg(h.dimension).arg(num(r.x[h.dimension], 6));
    case ExplainHit::Part::QBeforeRope:
        return QStringLiteral("(x_i W_Q)[%1] = %2 before RoPE").arg(h.dimension).arg(num(r.qBeforeRope[h.dimension], 6));
    case ExplainHit::Part::Q: return QStringLiteral("q_i[%1] = %2").arg(h.dimension).arg(num(r.q[h.dimension], 6));
    case ExplainHit::Part::K: {
        QString t = QStringLiteral("k_%1[%2] = %3   (q_i[%2] = %4, product %5)")
                        .arg(h.key)
                        .arg(h.dimension)
                        .arg(num(at(r.k, h.key, h.dimension), 6), num(r.q[h.dimension], 6),
                             num(at(m_products, h.key, h.dimension), 6));
        if (!r.kBeforeRope.empty()) t += QStringLiteral("; before RoPE %1").arg(num(at(r.kBeforeRope, h.key, h.dimension), 6));
        return t + QStringLiteral("  · key ") + key;
    }
    case ExplainHit::Part::Products:
        return QStringLiteral("q_i[%1] \u00b7 k_%2[%1] = %3 of q\u00b7k_%2 = %4  · key %5; click to sort the dimensions by this key")
            .arg(h.dimension)
            .arg(h.key)
            .arg(num(at(m_products, h.key, h.dimension), 6), num(r.scores[h.key], 6), key);
    case ExplainHit::Part::V:
        return QStringLiteral("v_%1[%2] = %3, weighted a_ij v_j = %4  · key %5")
            .arg(h.key)
            .arg(h.dimension)
            .arg(num(at(r.v, h.key, h.dimension), 6), num(r.probabilities[h.key] * at(r.v, h.key, h.dimension), 6), key);
    case ExplainHit::Part::Output:
        return QStringLiteral("o_i[%1] = \u03a3_j a_ij v_j[%1] = %2").arg(h.dimension).arg(num(r.output[h.dimension], 6));
    case ExplainHit::Part::Score: return QStringLiteral("q_i\u00b7k_%1 = %2  · key %3").arg(h.key).arg(num(r.scores[h.key], 6), key);
    case ExplainHit::Part::Scaled:
        if (!r.positionBias.empty()) {
            return QStringLiteral("scaled = %1 \u00b7 %2 + bias %3 = %4  · key %5")
                .arg(num(r.scale, 5), num(r.scores[h.key], 6), num(r.positionBias[h.key], 6), num(r.scaled[h.key], 6), key);
        }
        return QStringLiteral("scaled = %1  · key %2").arg(num(r.scaled[h.key], 6), key);
    case ExplainHit::Part::Masked:
        return r.visible[h.key] ? QStringLiteral("visible to the query: %1").arg(num(r.scaled[h.key], 6))
                                : QStringLiteral("masked: the query cannot see key %1 (\u2212\u221e, weight 0)").arg(key);
    case ExplainHit::Part::Probability:
        return QStringLiteral("a_i%1 = %2  · key %3").arg(h.key).arg(QString::number(r.probabilities[h.key], 'g', 8), key);
    }
    return {};
}

}  // namespace attnviz::ui
