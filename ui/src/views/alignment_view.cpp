#include "attnviz/ui/views/alignment_view.h"
#include "attnviz/ui/plot/figure_colors.h"

#include "attnviz/core/seq2seq_session.h"

#include <QComboBox>
#include <QFontMetricsF>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QScrollArea>
#include <QSlider>
#include <QSpinBox>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <numeric>

namespace attnviz::ui {
namespace {

constexpr double kMargin = 14;
constexpr double kTitleHeight = 24;
constexpr double kSubtitleHeight = 20;
constexpr double kLegendHeight = 26;
constexpr double kLabelPad = 8;        // around a horizontal label
constexpr double kUprightCell = 20;    // the narrowest column of an upright label
constexpr double kMaxUprightBand = 130;
constexpr double kMinLinkHeight = 120;
constexpr int kThresholdSteps = 200;   // the slider's steps over 0..1

QFont labelFont() {
    QFont f;
    f.setPixelSize(13);
    return f;
}

QFont titleFont() {
    QFont f;
    f.setPixelSize(15);
    f.setBold(true);
    return f;
}

QFont smallFont() {
    QFont f;
    f.setPixelSize(12);
    return f;
}

double widestLabel(const QStringList& labels, const QFontMetricsF& fm) {
    double w = 0;
    for (const QString& l : labels) w = std::max(w, fm.horizontalAdvance(l));
    return w;
}

// How one row's labels are drawn: level at the largest font that fits the
// column, else upright (reading bottom to top).
struct RowStyle {
    bool upright = false;
    QFont font;
    double band = 0;  // the row's height
};

RowStyle rowStyle(const QStringList& labels, double cell, double height) {
    RowStyle r;
    for (int px : {13, 12, 11}) {
        r.font = labelFont();
        r.font.setPixelSize(px);
        const QFontMetricsF fm(r.font);
        if (cell >= widestLabel(labels, fm) + kLabelPad) {
            r.band = fm.height() + 12;
            return r;
        }
    }
    r.upright = true;
    r.font = labelFont();
    if (cell < 17) r.font.setPixelSize(11);
    // At most a quarter of the height each, so the links keep room (longer labels are elided).
    r.band = std::clamp(widestLabel(labels, QFontMetricsF(r.font)) + 14, 40.0,
                        std::max(40.0, std::min(kMaxUprightBand, 0.25 * height)));
    return r;
}

// Where everything of the picture goes at one size.
struct Layout {
    double left = 0;         // the token rows span [left, right]
    double right = 0;
    QRectF title;
    QRectF subtitle;
    RowStyle sourceStyle;
    RowStyle targetStyle;
    QRectF sourceBand;       // the source labels
    QRectF targetBand;       // the target labels
    QRectF legend;
    double sourceCell = 0;   // column width of one source token
    double targetCell = 0;

    double sourceX(int i) const { return left + (i + 0.5) * sourceCell; }
    double targetX(int j) const { return left + (j + 0.5) * targetCell; }
    QRectF sourceBox(int i) const {
        return QRectF(left + i * sourceCell, sourceBand.top(), sourceCell, sourceBand.height());
    }
    QRectF targetBox(int j) const {
        return QRectF(left + j * targetCell, targetBand.top(), targetCell, targetBand.height());
    }
};

Layout layoutFor(QSizeF size, const QStringList& source, const QStringList& target) {
    Layout l;
    l.left = kMargin;
    l.right = std::max(l.left + 1, size.width() - kMargin);
    const double inner = l.right - l.left;
    l.sourceCell = inner / std::max<int>(1, source.size());
    l.targetCell = inner / std::max<int>(1, target.size());
    l.sourceStyle = rowStyle(source, l.sourceCell, size.height());
    l.targetStyle = rowStyle(target, l.targetCell, size.height());
    double y = 6;
    l.title = QRectF(0, y, size.width(), kTitleHeight);
    y += kTitleHeight;
    l.subtitle = QRectF(0, y, size.width(), kSubtitleHeight);
    y += kSubtitleHeight + 6;
    l.sourceBand = QRectF(l.left, y, inner, l.sourceStyle.band);
    l.legend = QRectF(0, size.height() - kLegendHeight, size.width(), kLegendHeight);
    l.targetBand = QRectF(l.left, l.legend.top() - l.targetStyle.band - 4, inner, l.targetStyle.band);
    return l;
}

// Width and colour of a link of relative strength t in [0, 1].
QPen linkPen(const FigureColors& colors, double t, bool hot, bool faded) {
    QColor c = hot ? colors.linkHot : colors.link;
    double alpha = 0.18 + 0.77 * t;
    if (faded) alpha *= 0.18;
    c.setAlphaF(std::clamp(alpha, 0.0, 1.0));
    QPen pen(c, 0.7 + 6.3 * t);
    pen.setCapStyle(Qt::RoundCap);
    return pen;
}

QString weightText(float w) { return QString::number(static_cast<double>(w), 'f', 3); }

}  // namespace

Matrix alignmentWeights(const core::AttentionBlock& cross, const AlignmentChoice& choice) {
    const int rows = cross.rows();
    const int cols = cross.cols();
    Matrix out(rows, cols);  // (T, S)
    if (cross.nLayers() == 0 || cross.nHeads() == 0) return out;
    auto add = [&](int layer, int head) {
        const float* p = cross.probs(layer, head);  // (T, S)
        for (int r = 0; r < rows; ++r)
            for (int c = 0; c < cols; ++c) out.at(r, c) += p[static_cast<std::size_t>(r) * cols + c];
    };
    int count = 0;
    switch (choice.kind) {
    case AlignmentChoice::Kind::Head:
        add(choice.layer, choice.head);
        count = 1;
        break;
    case AlignmentChoice::Kind::LayerMean:
        for (int h = 0; h < cross.nHeads(); ++h) add(choice.layer, h);
        count = cross.nHeads();
        break;
    case AlignmentChoice::Kind::AllMean:
        for (int l = 0; l < cross.nLayers(); ++l)
            for (int h = 0; h < cross.nHeads(); ++h) add(l, h);
        count = cross.nLayers() * cross.nHeads();
        break;
    }
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) out.at(r, c) /= static_cast<float>(count);
    return out;
}

QString alignmentChoiceText(const AlignmentChoice& choice, int nLayers, int nHeads) {
    switch (choice.kind) {
    case AlignmentChoice::Kind::Head: return QStringLiteral("layer %1, head %2").arg(choice.layer).arg(choice.head);
    case AlignmentChoice::Kind::LayerMean:
        return QStringLiteral("mean of layer %1's %2 heads").arg(choice.layer).arg(nHeads);
    case AlignmentChoice::Kind::AllMean:
        return QStringLiteral("mean of all %1 layers x %2 heads").arg(nLayers).arg(nHeads);
    }
    return {};
}

// The picture on screen: draws the view's figure at its own size and
// reports the token under the mouse.
class AlignmentCanvas : public QWidget {
public:
    explicit AlignmentCanvas(AlignmentView* view) : QWidget(view), m_view(view) {
        setMouseTracking(true);
        setMinimumHeight(300);
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    }
    // Wide enough for upright labels at their narrowest column.
    void updateMinimumWidth() {
        const auto& d = m_view->m_data;
        const int n = std::max(d.sourceLabels.size(), d.targetLabels.size());
        setMinimumWidth(static_cast<int>(2 * kMargin + n * kUprightCell));
    }

protected:
    void paintEvent(QPaintEvent*) override {
        QPainter painter(this);
        painter.setRenderHint(QPainter::Antialiasing);
        m_view->render(painter, size());
    }
    void mouseMoveEvent(QMouseEvent* e) override {
        const auto& d = m_view->m_data;
        const Layout l = layoutFor(size(), d.sourceLabels, d.targetLabels);
        const QPointF p = e->position();
        QString text;
        if (l.sourceBand.contains(p)) {
            text = m_view->hoverToken(AlignmentView::Side::Source, static_cast<int>((p.x() - l.left) / l.sourceCell));
        } else if (l.targetBand.contains(p)) {
            text = m_view->hoverToken(AlignmentView::Side::Target, static_cast<int>((p.x() - l.left) / l.targetCell));
        } else {
            text = m_view->hoverToken(AlignmentView::Side::Source, -1);
        }
        if (text.isEmpty()) {
            QToolTip::hideText();
        } else {
            QToolTip::showText(e->globalPosition().toPoint(), text, this);
        }
    }
    void leaveEvent(QEvent*) override { m_view->hoverToken(AlignmentView::Side::Source, -1); }

private:
    AlignmentView* m_view;
};

AlignmentView::AlignmentView(QWidget* parent) : QWidget(parent) {
    m_kind = new QComboBox;
    m_kind->addItem(QStringLiteral("One head"));
    m_kind->addItem(QStringLiteral("Mean of a layer's heads"));
    m_kind->addItem(QStringLiteral("Mean of all layers"));
    m_kind->setToolTip(QStringLiteral("Which cross-attention weights the lines show"));
    // Narrow windows shorten the choice's text rather than the plot.
    m_kind->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_kind->setMinimumContentsLength(10);
    m_layer = new QSpinBox;
    m_layer->setPrefix(QStringLiteral("layer "));
    m_head = new QSpinBox;
    m_head->setPrefix(QStringLiteral("head "));
    m_slider = new QSlider(Qt::Horizontal);
    m_slider->setRange(0, kThresholdSteps);
    m_slider->setMinimumWidth(80);
    m_slider->setToolTip(QStringLiteral("Links with a smaller weight are hidden"));
    m_thresholdLabel = new QLabel;
    m_thresholdLabel->setMinimumWidth(48);
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(QStringLiteral("Cross-attention:")));
    controls->addWidget(m_kind);
    controls->addWidget(m_layer);
    controls->addWidget(m_head);
    controls->addSpacing(16);
    controls->addWidget(new QLabel(QStringLiteral("Hide links below")));
    controls->addWidget(m_slider);
    controls->addWidget(m_thresholdLabel);
    controls->addStretch(1);

    m_canvas = new AlignmentCanvas(this);
    m_scroll = new QScrollArea;
    m_scroll->setWidget(m_canvas);
    m_scroll->setWidgetResizable(true);
    m_scroll->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_status = new QLabel;
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(controls);
    layout->addWidget(m_scroll, 1);
    layout->addWidget(m_status);

    connect(m_kind, &QComboBox::activated, this, [this](int index) {
        AlignmentChoice c = m_choice;
        c.kind = static_cast<AlignmentChoice::Kind>(index);
        setChoice(c);
    });
    connect(m_layer, &QSpinBox::valueChanged, this, [this](int layer) {
        if (layer == m_choice.layer) return;
        AlignmentChoice c = m_choice;
        c.layer = layer;
        setChoice(c);
    });
    connect(m_head, &QSpinBox::valueChanged, this, [this](int head) {
        if (head == m_choice.head) return;
        AlignmentChoice c = m_choice;
        c.head = head;
        setChoice(c);
    });
    connect(m_slider, &QSlider::valueChanged, this, [this](int v) {
        setThreshold(static_cast<float>(v) / kThresholdSteps);
    });
    syncControls();
}

AlignmentView::~AlignmentView() = default;

void AlignmentView::setRun(const core::Seq2SeqRunResult& run) {
    AlignmentData d;
    for (const core::Token& t : run.sourceTokens) d.sourceLabels << QString::fromStdString(t.display);
    for (const core::Token& t : run.decoderTokens) d.targetLabels << QString::fromStdString(t.display);
    d.cross = std::make_shared<const core::AttentionBlock>(run.trace.cross);
    setData(std::move(d));
}

void AlignmentView::setData(AlignmentData data) {
    m_data = std::move(data);
    m_hoverIndex = -1;
    setChoice(m_choice);  // clamps to the new block
    recompute();
    m_canvas->updateMinimumWidth();
    m_status->clear();
    m_canvas->update();
}

void AlignmentView::setChoice(const AlignmentChoice& choice) {
    AlignmentChoice c = choice;
    const int nl = m_data.cross ? m_data.cross->nLayers() : 0;
    const int nh = m_data.cross ? m_data.cross->nHeads() : 0;
    c.layer = std::clamp(c.layer, 0, std::max(0, nl - 1));
    c.head = std::clamp(c.head, 0, std::max(0, nh - 1));
    const bool changed = !(c == m_choice);
    m_choice = c;
    syncControls();
    if (changed) {
        recompute();
        m_canvas->update();
        emit choiceChanged(m_choice);
    }
}

void AlignmentView::setThreshold(float threshold) {
    threshold = std::clamp(threshold, 0.0f, 1.0f);
    if (threshold == m_threshold) return;
    m_threshold = threshold;
    syncControls();
    m_canvas->update();
    emit thresholdChanged(m_threshold);
}

void AlignmentView::syncControls() {
    const QSignalBlocker b1(m_kind), b2(m_layer), b3(m_head), b4(m_slider);
    const int nl = m_data.cross ? m_data.cross->nLayers() : 0;
    const int nh = m_data.cross ? m_data.cross->nHeads() : 0;
    m_kind->setCurrentIndex(static_cast<int>(m_choice.kind));
    m_layer->setRange(0, std::max(0, nl - 1));
    m_layer->setValue(m_choice.layer);
    m_layer->setEnabled(m_choice.kind != AlignmentChoice::Kind::AllMean && nl > 0);
    m_head->setRange(0, std::max(0, nh - 1));
    m_head->setValue(m_choice.head);
    m_head->setEnabled(m_choice.kind == AlignmentChoice::Kind::Head && nh > 0);
    m_slider->setValue(qRound(m_threshold * kThresholdSteps));
    m_thresholdLabel->setText(weightText(m_threshold));
}

void AlignmentView::recompute() {
    const auto& cross = m_data.cross;
    const bool shapeOk = cross && cross->rows() == m_data.targetLabels.size() && cross->cols() == m_data.sourceLabels.size();
    m_weights = shapeOk ? alignmentWeights(*cross, m_choice) : Matrix();
}

std::vector<AlignmentLink> AlignmentView::visibleLinks() const {
    std::vector<AlignmentLink> links;
    for (int t = 0; t < m_weights.rows(); ++t)
        for (int s = 0; s < m_weights.cols(); ++s)
            if (m_weights.at(t, s) >= m_threshold) links.push_back({t, s, m_weights.at(t, s)});
    return links;
}

QString AlignmentView::hoverToken(Side side, int index) {
    const int count = side == Side::Source ? m_weights.cols() : m_weights.rows();
    if (index < 0 || index >= count) index = -1;
    QString text;
    if (index >= 0) {
        // Every weight of the token, strongest first (hidden ones too).
        std::vector<std::pair<float, int>> w;
        const int others = side == Side::Source ? m_weights.rows() : m_weights.cols();
        for (int o = 0; o < others; ++o)
            w.push_back({side == Side::Source ? m_weights.at(o, index) : m_weights.at(index, o), o});
        std::sort(w.begin(), w.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
        QStringList parts;
        for (std::size_t k = 0; k < w.size() && k < 6; ++k) {
            const QString& label = side == Side::Source ? m_data.targetLabels[w[k].second] : m_data.sourceLabels[w[k].second];
            parts << QStringLiteral("%1 '%2' %3").arg(w[k].second).arg(label, weightText(w[k].first));
        }
        text = side == Side::Source
                   ? QStringLiteral("Source %1 '%2' is attended by target: %3")
                         .arg(index)
                         .arg(m_data.sourceLabels[index], parts.join(QStringLiteral(", ")))
                   : QStringLiteral("Target %1 '%2' attends to source: %3")
                         .arg(index)
                         .arg(m_data.targetLabels[index], parts.join(QStringLiteral(", ")));
        if (static_cast<int>(w.size()) > 6) text += QStringLiteral(", …");
    }
    if (index != m_hoverIndex || side != m_hoverSide) {
        m_hoverSide = side;
        m_hoverIndex = index;
        m_canvas->update();
    }
    m_status->setText(text);
    emit hoverText(text);
    return text;
}

QString AlignmentView::figureTitle() const { return QStringLiteral("Cross-attention alignment"); }

QString AlignmentView::subtitle() const {
    const int nl = m_data.cross ? m_data.cross->nLayers() : 0;
    const int nh = m_data.cross ? m_data.cross->nHeads() : 0;
    return QStringLiteral("%1 · top: source (encoder input), bottom: target (decoder input)")
        .arg(alignmentChoiceText(m_choice, nl, nh));
}

QString AlignmentView::exportProblem() const {
    if (!m_data.cross) return QStringLiteral("no encoder-decoder run to draw");
    if (m_weights.empty()) return QStringLiteral("the cross-attention does not match the token rows");
    return {};
}

QSize AlignmentView::figureSize() const {
    const QFontMetricsF fm(labelFont());
    const int n = std::max<int>({1, static_cast<int>(m_data.sourceLabels.size()), static_cast<int>(m_data.targetLabels.size())});
    const double cell = std::max(widestLabel(m_data.sourceLabels, fm), widestLabel(m_data.targetLabels, fm)) + kLabelPad;
    double width = 2 * kMargin + n * cell;
    if (width > 1400) width = 2 * kMargin + n * std::max(kUprightCell + 6, 1200.0 / n);
    width = std::max(width, 720.0);
    const Layout probe = layoutFor(QSizeF(width, 1000), m_data.sourceLabels, m_data.targetLabels);
    const double height = probe.sourceBand.bottom() + std::max(kMinLinkHeight + 100, 0.25 * width) +
                          probe.targetBand.height() + 4 + kLegendHeight;
    return QSize(qRound(width), qRound(height));
}

void AlignmentView::render(QPainter& painter, QSize size) const {
    painter.save();
    const FigureColors colors = figureColors(palette());
    painter.fillRect(QRect(QPoint(0, 0), size), colors.background);
    const Layout l = layoutFor(size, m_data.sourceLabels, m_data.targetLabels);
    painter.setPen(colors.text);
    painter.setFont(titleFont());
    painter.drawText(l.title, Qt::AlignCenter, figureTitle());
    painter.setFont(smallFont());
    painter.setPen(colors.subtitle);
    painter.drawText(l.subtitle, Qt::AlignCenter, subtitle());
    if (m_weights.empty()) {
        painter.drawText(QRectF(QPointF(0, 0), QSizeF(size)), Qt::AlignCenter,
                         m_data.cross ? exportProblem() : QStringLiteral("Run an encoder-decoder model to see its alignment."));
        painter.restore();
        return;
    }

    // Links, weakest first so the strong ones stay on top.
    std::vector<AlignmentLink> links = visibleLinks();
    std::sort(links.begin(), links.end(), [](const auto& a, const auto& b) { return a.weight < b.weight; });
    const float maxWeight = std::max(maxFinite(m_weights), 1e-6f);
    const bool hovering = m_hoverIndex >= 0;
    auto isHot = [&](const AlignmentLink& k) {
        return hovering && (m_hoverSide == Side::Source ? k.source == m_hoverIndex : k.target == m_hoverIndex);
    };
    const double y0 = l.sourceBand.bottom() + 2;
    const double y1 = l.targetBand.top() - 2;
    for (int pass = 0; pass < 2; ++pass) {  // the hovered token's links last
        for (const AlignmentLink& k : links) {
            const bool hot = isHot(k);
            if ((pass == 1) != hot) continue;
            painter.setPen(linkPen(colors, k.weight / maxWeight, hot, hovering && !hot));
            const QPointF a(l.sourceX(k.source), y0);
            const QPointF b(l.targetX(k.target), y1);
            QPainterPath path(a);
            const double mid = (y0 + y1) / 2;
            path.cubicTo(QPointF(a.x(), mid), QPointF(b.x(), mid), b);
            painter.drawPath(path);
        }
    }

    // Token labels; the hovered token and the ones it links to are marked.
    std::vector<char> sourceMarked(m_weights.cols(), 0), targetMarked(m_weights.rows(), 0);
    if (hovering) {
        for (const AlignmentLink& k : links)
            if (isHot(k)) sourceMarked[k.source] = targetMarked[k.target] = 1;
    }
    auto drawLabel = [&](const QRectF& box, const QString& label, bool isSource, bool marked, bool hovered) {
        const RowStyle& style = isSource ? l.sourceStyle : l.targetStyle;
        painter.setFont(style.font);
        const QFontMetricsF fm(style.font);
        const QRectF cell = box.adjusted(1, 0, -1, 0);
        painter.setPen(Qt::NoPen);
        painter.setBrush(hovered ? colors.chipHot : marked ? colors.chipMarked : colors.chip);
        painter.drawRoundedRect(cell, 3, 3);
        painter.setPen(colors.text);
        if (!style.upright) {
            painter.drawText(cell, Qt::AlignCenter, label);
            return;
        }
        // Upright, reading bottom to top, against the side the lines leave from.
        const QString text = fm.elidedText(label, Qt::ElideRight, cell.height() - 8);
        painter.save();
        painter.translate(cell.center().x(), isSource ? cell.bottom() - 4 : cell.top() + 4);
        painter.rotate(-90);
        const double w = fm.horizontalAdvance(text);
        const QRectF r = isSource ? QRectF(0, -cell.width() / 2, w + 2, cell.width())
                                  : QRectF(-w - 2, -cell.width() / 2, w + 2, cell.width());
        painter.drawText(r, Qt::AlignVCenter | (isSource ? Qt::AlignLeft : Qt::AlignRight), text);
        painter.restore();
    };
    for (int s = 0; s < m_weights.cols(); ++s) {
        drawLabel(l.sourceBox(s), m_data.sourceLabels[s], true, sourceMarked[s] != 0,
                  hovering && m_hoverSide == Side::Source && m_hoverIndex == s);
    }
    for (int t = 0; t < m_weights.rows(); ++t) {
        drawLabel(l.targetBox(t), m_data.targetLabels[t], false, targetMarked[t] != 0,
                  hovering && m_hoverSide == Side::Target && m_hoverIndex == t);
    }

    painter.setFont(smallFont());
    painter.setPen(colors.subtitle);
    const int total = m_weights.rows() * m_weights.cols();
    painter.drawText(l.legend, Qt::AlignCenter,
                     QStringLiteral("Line width and opacity ∝ weight (thickest = %1) · links below %2 hidden (%3 of %4 shown)")
                         .arg(weightText(maxWeight), weightText(m_threshold))
                         .arg(links.size())
                         .arg(total));
    painter.restore();
}

}  // namespace attnviz::ui
