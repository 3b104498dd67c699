#include "panels/predictions_panel.h"
#include "attnviz/ui/window/theme.h"
#include "attnviz/ui/plot/figure_colors.h"

#include <QCheckBox>
#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QStyledItemDelegate>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace attnviz::ui {
namespace {

enum Column { kToken, kBar, kProbability };

// The bar column: as long as the probability (the full column is 100 %).
class ProbabilityBar : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override {
        const QVariant p = index.data(PredictionsPanel::kProbabilityRole);
        if (!p.isValid()) return;
        const QRectF track = QRectF(option.rect).adjusted(3, 4, -3, -4);
        const FigureColors colors = figureColors(option.palette);
        painter->fillRect(track, colors.track);
        QRectF bar = track;
        bar.setWidth(std::max(1.0, track.width() * std::clamp(p.toDouble(), 0.0, 1.0)));
        painter->fillRect(bar, colors.bar);
    }
};

QString percent(float p) {
    const double v = 100.0 * p;
    return QStringLiteral("%1 %").arg(v, 0, 'f', v < 0.1 ? 3 : (v < 10 ? 2 : 1));
}

}  // namespace

PredictionsPanel::PredictionsPanel(QWidget* parent) : QWidget(parent) {
    m_enabled = new QCheckBox(tr("Predictions (top 5)"), this);
    m_enabled->setObjectName(QStringLiteral("predictionsCheck"));
    m_enabled->setChecked(true);
    m_enabled->setStyleSheet(QStringLiteral("QCheckBox { font-weight: bold; }"));
    setTextRole(m_enabled, TextRole::Muted);
    m_enabled->setToolTip(tr("The model's most probable next tokens (causal models) or fillers for each [MASK] "
                             "(masked models): softmax of the LM head's logits. Off: the LM head is not run."));
    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("predictionsMessage"));
    m_message->setWordWrap(true);
    m_message->setTextFormat(Qt::RichText);
    setTextRole(m_message, TextRole::Muted);
    m_message->setVisible(false);
    m_tree = new QTreeWidget(this);
    m_tree->setObjectName(QStringLiteral("predictionsTree"));
    m_tree->setColumnCount(3);
    m_tree->setHeaderHidden(true);
    m_tree->setRootIsDecorated(false);
    m_tree->setItemsExpandable(false);
    m_tree->setSelectionMode(QAbstractItemView::NoSelection);
    m_tree->setFocusPolicy(Qt::NoFocus);
    m_tree->setIndentation(8);
    m_tree->setUniformRowHeights(true);
    m_tree->setItemDelegateForColumn(kBar, new ProbabilityBar(m_tree));
    m_tree->header()->setStretchLastSection(false);
    // The words take what the short bar and the percentage leave: in a
    // narrow dock the predicted words keep as much room as there is.
    m_tree->header()->setSectionResizeMode(kToken, QHeaderView::Stretch);
    m_tree->header()->setSectionResizeMode(kBar, QHeaderView::Fixed);
    m_tree->header()->resizeSection(kBar, 30);
    m_tree->header()->setSectionResizeMode(kProbability, QHeaderView::Fixed);
    m_tree->header()->resizeSection(kProbability, m_tree->fontMetrics().horizontalAdvance(QStringLiteral("100.00 %")) + 12);
    m_tree->setFrameShape(QFrame::NoFrame);
    m_tree->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(m_enabled);
    layout->addWidget(m_message);
    layout->addWidget(m_tree, 1);

    connect(m_enabled, &QCheckBox::toggled, this, [this](bool on) {
        rebuild();
        emit predictionsWantedChanged(on);
    });
    connect(m_message, &QLabel::linkActivated, this, [this](const QString& link) {
        if (link == QLatin1String("example")) emit exampleRequested(QStringLiteral("The %1 sat on the mat.").arg(m_maskToken));
    });
    rebuild();
}

bool PredictionsPanel::predictionsWanted() const { return m_enabled->isChecked(); }

void PredictionsPanel::setPredictionsWanted(bool wanted) { m_enabled->setChecked(wanted); }

QString PredictionsPanel::message() const { return m_message->isHidden() ? QString() : m_message->text(); }

void PredictionsPanel::setResult(std::shared_ptr<const SessionResult> result) {
    m_result = std::move(result);
    rebuild();
}

void PredictionsPanel::rebuild() {
    m_tree->clear();
    const bool on = m_enabled->isChecked();
    m_tree->setVisible(on);
    QString note;
    if (!on) {
        m_message->setVisible(false);
        return;
    }
    const SessionResult* r = m_result.get();
    if (r == nullptr) {
        note = tr("Predictions appear with the first run.");
    } else if (!r->run->traceFile.empty()) {
        // No model to run the LM head: say why rather than wait.
        note = tr("No predictions: %1.").arg(r->predictionProblem.toHtmlEscaped());
    } else if (!r->predictionsComputed) {
        note = tr("Computing predictions...");
    } else if (!r->predictionProblem.isEmpty()) {
        note = r->predictionProblem.toHtmlEscaped();
        if (r->predictionNeedsMask) {
            // A masked model with no mask in the text: offer the classic example.
            m_maskToken = r->maskToken.isEmpty() ? QStringLiteral("[MASK]") : r->maskToken;
            note += QStringLiteral("<br><a href=\"example\">Try \u201cThe %1 sat on the mat.\u201d</a>")
                        .arg(m_maskToken.toHtmlEscaped());
        }
    } else if (!r->maskIsDefault()) {
        note = tr("Under the %1 mask, not the model's own (%2): the model was not trained to predict like this.")
                   .arg(maskLabel(r->trace->mask()), maskLabel(r->defaultMask));
    }
    m_message->setText(note);
    m_message->setVisible(!note.isEmpty());
    m_tree->setVisible(r != nullptr && !r->predictions.empty());
    if (r == nullptr || !r->predictionsComputed) return;

    QFont headingFont = m_tree->font();
    headingFont.setBold(true);
    for (const PositionPredictions& p : r->predictions) {
        QString at = p.position >= 0 && p.position < r->tokenCount() ? r->tokens[p.position].text : QString();
        if (r->seq2seq) {
            // Encoder-decoder runs: the position is the decoder's.
            const auto& dec = r->seq2seq->decoderTokens;
            at = p.position >= 0 && p.position < static_cast<int>(dec.size()) ? QString::fromStdString(dec[p.position].display)
                                                                              : QString();
        }
        auto* heading = new QTreeWidgetItem(m_tree);
        if (r->maskedLm) {
            const QString before = p.position > 0 ? r->tokens[p.position - 1].text : QString();
            heading->setText(kToken, before.isEmpty() ? tr("%1 at position %2").arg(at).arg(p.position)
                                                      : tr("%1 at position %2, after \u2018%3\u2019").arg(at).arg(p.position).arg(before));
        } else {
            heading->setText(kToken, r->seq2seq ? tr("decoder's next token after \u2018%1\u2019").arg(at)
                                                : tr("next token after \u2018%1\u2019").arg(at));
        }
        heading->setFirstColumnSpanned(true);
        heading->setFont(kToken, headingFont);
        heading->setFlags(Qt::ItemIsEnabled);
        for (std::size_t k = 0; k < p.top.size(); ++k) {
            const PredictedToken& t = p.top[k];
            auto* item = new QTreeWidgetItem(heading);
            item->setText(kToken, QStringLiteral("%1.  %2").arg(k + 1).arg(t.text));
            item->setText(kProbability, percent(t.probability));
            item->setTextAlignment(kProbability, Qt::AlignRight | Qt::AlignVCenter);
            for (int c : {kToken, kBar, kProbability}) {
                item->setData(c, kIdRole, t.id);
                item->setData(c, kProbabilityRole, t.probability);
            }
            item->setToolTip(kToken, tr("token id %1, probability %2").arg(t.id).arg(static_cast<double>(t.probability), 0, 'g', 6));
            item->setToolTip(kBar, item->toolTip(kToken));
            item->setToolTip(kProbability, item->toolTip(kToken));
        }
    }
    m_tree->expandAll();
}

}  // namespace attnviz::ui
