#include "attnviz/ui/views/generation_timeline.h"
#include "attnviz/ui/plot/figure_colors.h"
#include "attnviz/ui/window/theme.h"

#include "attnviz/core/seq2seq_model.h"
#include "attnviz/ui/plot/colormap.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QKeySequence>
#include <QLabel>
#include <QListWidget>
#include <QMouseEvent>
#include <QPainter>
#include <QPushButton>
#include <QSlider>
#include <QStyledItemDelegate>
#include <QTableWidget>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace attnviz::ui {
namespace {

constexpr int kGutter = 64;       // layer labels left of the rows
constexpr int kMaxRowHeight = 22;
constexpr int kStepRole = Qt::UserRole + 1;

QFont pixelFont(int px, bool bold = false) {
    QFont f;
    f.setPixelSize(px);
    f.setBold(bold);
    return f;
}

std::vector<TimelineCandidate> candidates(const std::vector<core::Candidate>& top, const TokenTextFn& tokenText) {
    std::vector<TimelineCandidate> out;
    for (const core::Candidate& c : top) out.push_back({c.id, tokenText(c.id), c.probability, c.logit});
    return out;
}

QString number(float v, int digits = 3) { return QString::number(static_cast<double>(v), 'f', digits); }

// Draws a bar of the cell's probability behind its text.
class ProbabilityDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override {
        const double p = index.data(Qt::UserRole).toDouble();
        QRectF bar = QRectF(option.rect).adjusted(2, 3, -2, -3);
        bar.setWidth(bar.width() * std::clamp(p, 0.0, 1.0));
        QColor c = figureColors(option.palette).bar;
        c.setAlphaF(0.55f);
        painter->fillRect(bar, c);
        QStyledItemDelegate::paint(painter, option, index);
    }
};

}  // namespace

Matrix stepRows(const core::AttentionBlock& block) {
    const int nh = block.nHeads();
    Matrix m(block.nLayers() * nh, block.cols());  // (L * H, cols)
    if (block.rows() < 1) return Matrix();
    for (int l = 0; l < block.nLayers(); ++l)
        for (int h = 0; h < nh; ++h)
            for (int c = 0; c < block.cols(); ++c) m.at(l * nh + h, c) = block.prob(l, h, block.rows() - 1, c);
    return m;
}

TimelineData timelineFromSeq2Seq(const core::Seq2SeqGeneration& generation, const QStringList& sourceLabels,
                                 const TokenTextFn& tokenText) {
    TimelineData d;
    d.encoderDecoder = true;
    d.sourceLabels = sourceLabels;
    for (std::int32_t id : generation.decoderIds) d.positionLabels << tokenText(id);
    d.promptLength = 1;  // the decoder start token
    d.stoppedAtEos = generation.stoppedAtEos;
    for (std::size_t s = 0; s < generation.steps.size(); ++s) {
        const core::GenerationStep& g = generation.steps[s];
        d.steps.push_back({g.id, tokenText(g.id), static_cast<int>(s), candidates(g.top, tokenText), g.self, g.cross});
    }
    return d;
}

TimelineData timelineFromCausal(const core::CausalGeneration& generation, const TokenTextFn& tokenText) {
    TimelineData d;
    for (std::int32_t id : generation.ids) d.positionLabels << tokenText(id);
    d.promptLength = generation.promptLength;
    d.stoppedAtEos = generation.stoppedAtEos;
    for (std::size_t s = 0; s < generation.steps.size(); ++s) {
        const core::CausalGenerationStep& g = generation.steps[s];
        d.steps.push_back({g.id, tokenText(g.id), generation.promptLength - 1 + static_cast<int>(s),
                           candidates(g.top, tokenText), g.self, {}});
    }
    return d;
}

// One query row per (layer, head), stacked by layer, over the key tokens.
class StepRowsWidget : public QWidget {
public:
    explicit StepRowsWidget(GenerationTimeline* timeline) : QWidget(timeline), m_timeline(timeline) {
        setMouseTracking(true);
        setMinimumSize(200, 120);
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    }
    void setRows(Matrix rows, int nLayers, int nHeads, QStringList labels, int markCol) {
        m_rows = std::move(rows);
        m_nLayers = nLayers;
        m_nHeads = nHeads;
        m_labels = std::move(labels);
        m_mark = markCol;
        update();
    }
    const Matrix& rows() const { return m_rows; }

protected:
    struct Geometry {
        double cellW = 0, rowH = 0, top = 0, axisTop = 0;
        bool upright = false;
    };
    Geometry geometry() const {
        Geometry g;
        if (m_rows.empty()) return g;
        const QFontMetrics fm(pixelFont(11));
        g.cellW = double(width() - kGutter - 6) / m_rows.cols();
        int widest = 0;
        for (const QString& l : m_labels) widest = std::max(widest, fm.horizontalAdvance(l));
        g.upright = g.cellW < widest + 4;
        const int axis = g.upright ? std::min(90, widest + 8) : fm.height() + 6;
        g.top = 2;
        g.rowH = std::clamp(double(height() - axis - 4) / m_rows.rows(), 1.0, double(kMaxRowHeight));
        g.axisTop = g.top + g.rowH * m_rows.rows() + 3;
        return g;
    }
    void paintEvent(QPaintEvent*) override {
        QPainter p(this);
        const FigureColors colors = figureColors(palette());
        p.fillRect(rect(), colors.background);
        if (m_rows.empty()) return;
        const Geometry g = geometry();
        const float top = std::max(maxFinite(m_rows), 1e-6f);
        for (int r = 0; r < m_rows.rows(); ++r)
            for (int c = 0; c < m_rows.cols(); ++c) {
                const QRectF cell(kGutter + c * g.cellW, g.top + r * g.rowH, g.cellW + 0.5, g.rowH + 0.5);
                p.fillRect(cell, colormapColor(Colormap::Viridis, m_rows.at(r, c) / top));
            }
        // Layer separators and labels; head numbers when the rows are tall enough.
        p.setFont(pixelFont(11));
        const double layerH = g.rowH * m_nHeads;
        const bool headLabels = g.rowH >= 11 && m_nHeads > 1;
        const int layerEvery = layerH >= 12 ? 1 : std::max(1, int(std::ceil(12.0 / layerH)));
        for (int l = 0; l < m_nLayers; ++l) {
            const double y = g.top + l * layerH;
            if (l > 0) {
                // A white gap between layers when rows are tall enough to
                // spare it, else a tick in the gutter (no row is covered).
                if (g.rowH >= 4) {
                    p.setPen(QPen(colors.background, 1.5));
                    p.drawLine(QPointF(kGutter, y), QPointF(kGutter + g.cellW * m_rows.cols(), y));
                } else {
                    p.setPen(QPen(colors.axisLine, 1));
                    p.drawLine(QPointF(kGutter - 5, y), QPointF(kGutter - 1, y));
                }
            }
            p.setPen(colors.text);
            if (headLabels) {
                for (int h = 0; h < m_nHeads; ++h) {
                    p.drawText(QRectF(0, y + h * g.rowH, kGutter - 6, g.rowH), Qt::AlignRight | Qt::AlignVCenter,
                               h == 0 ? QStringLiteral("L%1 h0").arg(l) : QStringLiteral("h%1").arg(h));
                }
            } else if (l % layerEvery == 0) {
                p.drawText(QRectF(0, y, kGutter - 6, std::max(layerH, 12.0)), Qt::AlignRight | Qt::AlignVCenter,
                           QStringLiteral("layer %1").arg(l));
            }
        }
        // The new token's own column.
        if (m_mark >= 0 && m_mark < m_rows.cols()) {
            p.setPen(QPen(QColor(230, 90, 20), 1.5));
            p.setBrush(Qt::NoBrush);
            p.drawRect(QRectF(kGutter + m_mark * g.cellW, g.top, g.cellW, g.rowH * m_rows.rows()));
        }
        // Key token labels.
        p.setPen(colors.text);
        const QFontMetrics fm(pixelFont(11));
        const int every = g.upright ? std::max(1, int(std::ceil(13.0 / g.cellW))) : 1;
        for (int c = 0; c < m_rows.cols() && c < m_labels.size(); c += every) {
            const double x = kGutter + (c + 0.5) * g.cellW;
            if (!g.upright) {
                p.drawText(QRectF(x - g.cellW / 2, g.axisTop, g.cellW, fm.height() + 4), Qt::AlignCenter, m_labels[c]);
                continue;
            }
            p.save();
            p.translate(x, g.axisTop + 2);
            p.rotate(90);
            p.drawText(QRectF(0, -7, 88, 14), Qt::AlignLeft | Qt::AlignVCenter, fm.elidedText(m_labels[c], Qt::ElideRight, 86));
            p.restore();
        }
    }
    void mouseMoveEvent(QMouseEvent* e) override {
        const Geometry g = geometry();
        QString text;
        if (!m_rows.empty() && g.cellW > 0) {
            const int c = int((e->position().x() - kGutter) / g.cellW);
            const int r = int((e->position().y() - g.top) / g.rowH);
            if (e->position().x() >= kGutter && c >= 0 && c < m_rows.cols() && r >= 0 && r < m_rows.rows()) {
                text = QStringLiteral("layer %1, head %2 → %3 '%4': %5")
                           .arg(r / m_nHeads)
                           .arg(r % m_nHeads)
                           .arg(c)
                           .arg(m_labels.value(c), number(m_rows.at(r, c), 4));
            }
        }
        if (text.isEmpty()) QToolTip::hideText();
        else QToolTip::showText(e->globalPosition().toPoint(), text, this);
        emit m_timeline->hoverText(text);
    }

private:
    GenerationTimeline* m_timeline;
    Matrix m_rows;  // (L * H, n)
    int m_nLayers = 0;
    int m_nHeads = 1;
    QStringList m_labels;
    int m_mark = -1;
};

GenerationTimeline::GenerationTimeline(QWidget* parent) : QWidget(parent) {
    setFocusPolicy(Qt::StrongFocus);
    m_busy = new QLabel;
    m_cancel = new QPushButton(QStringLiteral("Cancel"));
    // Esc anywhere in the window cancels, but only while the button shows
    // (a hidden or disabled button's shortcut is not delivered).
    m_cancel->setShortcut(QKeySequence(Qt::Key_Escape));
    m_cancel->setToolTip(QStringLiteral("Stop generating (Esc)"));
    m_busyBar = new QWidget;
    auto* busyLayout = new QHBoxLayout(m_busyBar);
    busyLayout->setContentsMargins(0, 0, 0, 0);
    busyLayout->addWidget(m_busy);
    busyLayout->addWidget(m_cancel);
    busyLayout->addStretch(1);
    m_busyBar->hide();
    connect(m_cancel, &QPushButton::clicked, this, &GenerationTimeline::cancelRequested);

    m_tokens = new QListWidget;
    m_tokens->setFlow(QListView::LeftToRight);
    m_tokens->setWrapping(true);
    m_tokens->setResizeMode(QListView::Adjust);
    m_tokens->setSpacing(2);
    m_tokens->setMaximumHeight(64);
    m_tokens->setToolTip(QStringLiteral("Click a generated token to see the step that produced it"));
    connect(m_tokens, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
        if (item && item->data(kStepRole).isValid()) setStep(item->data(kStepRole).toInt());
    });

    m_slider = new QSlider(Qt::Horizontal);
    m_slider->setPageStep(1);
    connect(m_slider, &QSlider::valueChanged, this, [this](int v) { setStep(v); });
    m_stepLabel = new QLabel;
    m_stepLabel->setMinimumWidth(320);
    auto* stepRow = new QHBoxLayout;
    stepRow->addWidget(new QLabel(QStringLiteral("Step")));
    stepRow->addWidget(m_slider, 1);
    stepRow->addWidget(m_stepLabel);

    auto boxed = [](QLabel*& title, QWidget* content) {
        auto* box = new QWidget;
        auto* v = new QVBoxLayout(box);
        v->setContentsMargins(0, 0, 0, 0);
        v->setSpacing(2);
        title = new QLabel;
        title->setWordWrap(true);
        v->addWidget(title);
        v->addWidget(content, 1);
        return box;
    };
    m_self = new StepRowsWidget(this);
    m_cross = new StepRowsWidget(this);
    QWidget* selfBox = boxed(m_selfTitle, m_self);
    m_crossBox = boxed(m_crossTitle, m_cross);
    m_candidates = new QTableWidget(0, 3);
    m_candidates->setHorizontalHeaderLabels({QStringLiteral("Token"), QStringLiteral("Probability"), QStringLiteral("Logit")});
    m_candidates->verticalHeader()->setDefaultSectionSize(20);
    m_candidates->verticalHeader()->hide();
    m_candidates->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_candidates->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Fixed);
    m_candidates->horizontalHeader()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    m_candidates->setColumnWidth(1, 96);
    m_candidates->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_candidates->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_candidates->setSelectionMode(QAbstractItemView::NoSelection);
    m_candidates->setItemDelegateForColumn(1, new ProbabilityDelegate(m_candidates));
    QLabel* candidatesTitle = nullptr;
    QWidget* candidatesBox = boxed(candidatesTitle, m_candidates);
    candidatesTitle->setText(QStringLiteral("<b>Top candidates</b> for the next token"));
    candidatesBox->setMinimumWidth(260);
    candidatesBox->setMaximumWidth(360);

    m_body = new QWidget;
    auto* bodyLayout = new QHBoxLayout(m_body);
    bodyLayout->setContentsMargins(0, 0, 0, 0);
    bodyLayout->addWidget(selfBox, 3);
    bodyLayout->addWidget(m_crossBox, 3);
    bodyLayout->addWidget(candidatesBox, 1);

    m_empty = new QLabel(QStringLiteral("Generate to step through what the model attended to for each new token."));
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setStyleSheet(QStringLiteral("QLabel { font-size: 14px; }"));
    setTextRole(m_empty, TextRole::Muted);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_busyBar);
    layout->addWidget(m_tokens);
    layout->addLayout(stepRow);
    layout->addWidget(m_body, 1);
    layout->addWidget(m_empty, 1);
    clear();
}

GenerationTimeline::~GenerationTimeline() = default;

void GenerationTimeline::clear() { setGeneration(TimelineData{}); }

void GenerationTimeline::setGeneration(TimelineData data) {
    m_data = std::move(data);
    m_step = -1;
    {
        const QSignalBlocker b(m_tokens);
        m_tokens->clear();
        for (int p = 0; p < m_data.positionLabels.size(); ++p) {
            auto* item = new QListWidgetItem(m_data.positionLabels[p], m_tokens);
            const int step = p - m_data.promptLength;
            if (step >= 0 && step < stepCount()) {
                item->setData(kStepRole, step);
                item->setToolTip(QStringLiteral("step %1: id %2").arg(step).arg(m_data.steps[step].id));
            } else {
                item->setFlags(Qt::ItemIsEnabled);
                item->setForeground(palette().brush(QPalette::PlaceholderText));
                item->setToolTip(m_data.encoderDecoder ? QStringLiteral("decoder start token")
                                                       : QStringLiteral("prompt token %1").arg(p));
            }
        }
    }
    const bool any = stepCount() > 0;
    {
        const QSignalBlocker b(m_slider);
        m_slider->setRange(0, std::max(0, stepCount() - 1));
        m_slider->setValue(0);
        m_slider->setEnabled(any);
    }
    m_tokens->setVisible(any);
    m_body->setVisible(any);
    m_empty->setVisible(!any);
    m_crossBox->setVisible(m_data.encoderDecoder);
    if (any) {
        setStep(0);
    } else {
        m_stepLabel->clear();
        m_self->setRows({}, 0, 1, {}, -1);
        m_cross->setRows({}, 0, 1, {}, -1);
        m_candidates->setRowCount(0);
    }
}

void GenerationTimeline::setGenerating(bool generating, int done, int total) {
    m_generating = generating;
    m_busyBar->setVisible(generating);
    m_busy->setText(total > 0 ? QStringLiteral("Generating… %1 / %2 tokens").arg(done).arg(total)
                              : QStringLiteral("Generating…"));
    m_cancel->setEnabled(generating);
}

void GenerationTimeline::setStep(int step) {
    if (stepCount() == 0) return;
    step = std::clamp(step, 0, stepCount() - 1);
    if (step == m_step) return;
    m_step = step;
    showStep();
    emit stepChosen(m_step, m_data.steps[m_step].queryRow);
}

const Matrix& GenerationTimeline::shownSelfRows() const { return m_self->rows(); }
const Matrix& GenerationTimeline::shownCrossRows() const { return m_cross->rows(); }

void GenerationTimeline::showStep() {
    const TimelineStep& s = m_data.steps[m_step];
    {
        const QSignalBlocker b1(m_slider), b2(m_tokens);
        m_slider->setValue(m_step);
        m_tokens->setCurrentRow(m_data.promptLength + m_step);
    }
    const float p = s.top.empty() ? 0.0f : [&] {
        for (const TimelineCandidate& c : s.top)
            if (c.id == s.id) return c.probability;
        return 0.0f;
    }();
    m_stepLabel->setText(QStringLiteral("%1 / %2: <b>%3</b> (id %4%5), from the query at position %6")
                             .arg(m_step + 1)
                             .arg(stepCount())
                             .arg(s.text.toHtmlEscaped())
                             .arg(s.id)
                             .arg(p > 0 ? QStringLiteral(", p = %1").arg(number(p)) : QString())
                             .arg(s.queryRow));
    const QStringList keys = m_data.positionLabels.mid(0, s.self.cols());
    Matrix selfRows = stepRows(s.self);  // (L * H, n)
    const float selfMax = maxFinite(selfRows);
    m_self->setRows(std::move(selfRows), s.self.nLayers(), std::max(1, s.self.nHeads()), keys, s.queryRow);
    m_selfTitle->setText(QStringLiteral("<b>Self-attention</b> of the query at position %1, every layer × head "
                                        "(%2 × %3 rows) over positions 0..%1 (its own boxed) · colour 0 – %4")
                             .arg(s.queryRow)
                             .arg(s.self.nLayers())
                             .arg(s.self.nHeads())
                             .arg(number(selfMax)));
    if (m_data.encoderDecoder) {
        Matrix crossRows = stepRows(s.cross);  // (L * H, S)
        const float crossMax = maxFinite(crossRows);
        m_cross->setRows(std::move(crossRows), s.cross.nLayers(), std::max(1, s.cross.nHeads()), m_data.sourceLabels, -1);
        m_crossTitle->setText(QStringLiteral("<b>Cross-attention</b> of the same query over the %1 source tokens · colour 0 – %2")
                                  .arg(s.cross.cols())
                                  .arg(number(crossMax)));
    }
    m_candidates->setRowCount(static_cast<int>(s.top.size()));
    for (int r = 0; r < static_cast<int>(s.top.size()); ++r) {
        const TimelineCandidate& c = s.top[r];
        auto* token = new QTableWidgetItem(c.text);
        token->setData(Qt::UserRole, c.id);
        token->setToolTip(QStringLiteral("id %1").arg(c.id));
        if (c.id == s.id) {
            QFont f = token->font();
            f.setBold(true);
            token->setFont(f);
            token->setToolTip(QStringLiteral("id %1, the emitted token").arg(c.id));
        }
        auto* prob = new QTableWidgetItem(number(c.probability, 4));
        prob->setData(Qt::UserRole, static_cast<double>(c.probability));
        auto* logit = new QTableWidgetItem(number(c.logit, 2));
        m_candidates->setItem(r, 0, token);
        m_candidates->setItem(r, 1, prob);
        m_candidates->setItem(r, 2, logit);
    }
}

namespace {
constexpr int kFigureTitleHeight = 28;  // logical pixels above the widgets
}

QString GenerationTimeline::figureTitle() const {
    if (m_step < 0 || m_step >= stepCount()) return QStringLiteral("Generation timeline");
    return QStringLiteral("Generation step %1 / %2: %3")
        .arg(m_step + 1)
        .arg(stepCount())
        .arg(m_data.steps[static_cast<std::size_t>(m_step)].text);
}

QSize GenerationTimeline::figureSize() const {
    const QSize s = isVisible() ? size() : sizeHint().expandedTo(QSize(900, 500));
    return {s.width(), s.height() + kFigureTitleHeight};
}

void GenerationTimeline::render(QPainter& painter, QSize size) const {
    const QSize natural = figureSize();
    painter.save();
    painter.fillRect(QRect(QPoint(0, 0), size), palette().window());
    painter.scale(static_cast<double>(size.width()) / natural.width(),
                  static_cast<double>(size.height()) / natural.height());
    painter.setPen(palette().windowText().color());
    painter.drawText(QRect(0, 0, natural.width(), kFigureTitleHeight), Qt::AlignCenter, figureTitle());
    // The child widgets draw themselves into the painter (vector for SVG/PDF).
    auto* self = const_cast<GenerationTimeline*>(this);
    if (!isVisible()) self->resize(natural.width(), natural.height() - kFigureTitleHeight);
    self->QWidget::render(&painter, QPoint(0, kFigureTitleHeight), QRegion(), QWidget::DrawChildren);
    painter.restore();
}

QString GenerationTimeline::exportProblem() const {
    return stepCount() == 0 ? QStringLiteral("No generation to export: generate first.") : QString();
}

void GenerationTimeline::keyPressEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Left && stepCount() > 0) {
        setStep(m_step - 1);
    } else if (event->key() == Qt::Key_Right && stepCount() > 0) {
        setStep(m_step + 1);
    } else {
        QWidget::keyPressEvent(event);
    }
}

}  // namespace attnviz::ui
