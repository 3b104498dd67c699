#include "attnviz/ui/views/explain_view.h"

#include "attnviz/core/atomic_file.h"
#include "attnviz/core/explain_json.h"
#include "attnviz/core/layer_capture.h"
#include "attnviz/ui/export/painted_figure.h"
#include "attnviz/ui/plot/figure_colors.h"
#include "attnviz/ui/session/session_result.h"
#include "views/explain_figure.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPaintEvent>
#include <QPainter>
#include <QScrollArea>
#include <QScrollBar>
#include <QStackedLayout>
#include <QToolTip>
#include <QVBoxLayout>

#include <numeric>

namespace attnviz::ui {

// The figure at the scroll area's width (and its own height).
class ExplainCanvas : public QWidget {
public:
    explicit ExplainCanvas(ExplainView* view) : QWidget(view), m_view(view) {
        setMouseTracking(true);
        setFocusPolicy(Qt::StrongFocus);
    }
    void fit(int width) {
        const QSize s = m_view->m_figure->sizeFor(width);
        setFixedSize(s);
        update();
    }

protected:
    void paintEvent(QPaintEvent* event) override {
        QPainter painter(this);
        painter.setRenderHint(QPainter::Antialiasing, false);
        painter.setRenderHint(QPainter::TextAntialiasing);
        m_view->m_figure->render(painter, size(), event->rect());
    }
    void mouseMoveEvent(QMouseEvent* e) override {
        const QString text = m_view->hoverAt(e->position());
        if (text.isEmpty()) {
            QToolTip::hideText();
        } else {
            QToolTip::showText(e->globalPosition().toPoint(), text, this);
        }
    }
    void mouseReleaseEvent(QMouseEvent* e) override {
        if (e->button() == Qt::LeftButton) m_view->clickAt(e->position());
    }
    void leaveEvent(QEvent*) override { emit m_view->hoverText(QString()); }
    void keyPressEvent(QKeyEvent* e) override {
        // Up and down move the query.
        const int q = m_view->query();
        if (e->key() == Qt::Key_Up && q > 0) {
            emit m_view->queryChosen(q - 1);
        } else if (e->key() == Qt::Key_Down && q + 1 < m_view->m_figure->data().queries) {
            emit m_view->queryChosen(q + 1);
        } else {
            QWidget::keyPressEvent(e);
        }
    }

private:
    ExplainView* m_view;
};

ExplainView::ExplainView(QWidget* parent) : QWidget(parent), m_figure(std::make_unique<ExplainFigure>()) {
    setObjectName(QStringLiteral("explainView"));
    m_column = new QComboBox(this);
    m_column->setObjectName(QStringLiteral("explainColumn"));
    m_column->addItem(tr("keys k_j"));
    m_column->addItem(tr("products q \u2299 k_j (which dimensions drive a score)"));
    m_column->setToolTip(tr("What the second column shows for each key: its key vector k_j, or the elementwise "
                            "products q_i[d] k_j[d], whose sum is the score q\u00b7k_j. Click a row's products to "
                            "sort the dimensions by their share of that key's score."));
    auto* hint = new QLabel(tr("Click a key's token to make it the query (\u2191/\u2193 move it); hover any cell "
                               "for its value."),
                            this);
    hint->setWordWrap(true);
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Second column:"), this));
    controls->addWidget(m_column);
    controls->addSpacing(16);
    controls->addWidget(hint, 1);

    m_canvas = new ExplainCanvas(this);
    m_scroll = new QScrollArea(this);
    m_scroll->setWidget(m_canvas);
    m_scroll->setWidgetResizable(false);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    m_placeholder = new QLabel(this);
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setWordWrap(true);
    auto* stackHost = new QWidget(this);
    m_stack = new QStackedLayout(stackHost);
    m_stack->addWidget(m_scroll);
    m_stack->addWidget(m_placeholder);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 0);
    layout->addLayout(controls);
    layout->addWidget(stackHost, 1);

    connect(m_column, &QComboBox::currentIndexChanged, this, [this](int index) {
        ExplainOptions o = m_figure->options();
        o.keyColumn = index == 1 ? KeyColumn::Products : KeyColumn::Keys;
        m_figure->setOptions(o);
        m_canvas->fit(figureWidth());
    });
    showMessage(tr("Open a model and type a sentence to see how one row of attention is computed."));
}

ExplainView::~ExplainView() = default;

void ExplainView::setResult(std::shared_ptr<const SessionResult> result) {
    m_result = std::move(result);
    rebuild();
}

void ExplainView::setHead(HeadRef head) {
    if (head == m_head) return;
    m_head = head;
    rebuild();
}

void ExplainView::setQuery(int query) {
    if (query == m_query) return;
    m_query = query;
    rebuild();
}

int ExplainView::query() const { return m_figure->data().valid() ? m_figure->data().row.query : m_query; }

void ExplainView::setShowProducts(bool products) { m_column->setCurrentIndex(products ? 1 : 0); }

bool ExplainView::showsProducts() const { return m_column->currentIndex() == 1; }

void ExplainView::setSortKey(int key) {
    ExplainOptions o = m_figure->options();
    o.sortKey = key;
    m_figure->setOptions(o);
    m_canvas->update();
}

const ExplainData& ExplainView::data() const { return m_figure->data(); }

QString ExplainView::message() const { return m_message; }

void ExplainView::showMessage(const QString& text) {
    m_message = text;
    m_figure->setData({});
    m_placeholder->setText(text);
    m_stack->setCurrentWidget(m_placeholder);
}

void ExplainView::rebuild() {
    if (!m_result) {
        showMessage(tr("Open a model and type a sentence to see how one row of attention is computed."));
        return;
    }
    const SessionResult& r = *m_result;
    if (!r.run->traceFile.empty()) {
        showMessage(tr("A trace file holds the probabilities only, not the q, k and v they came from: open the "
                       "model itself to see a row computed."));
        return;
    }
    if (m_head.isMean()) {
        showMessage(tr("Choose one head: a layer's mean over heads has no single q, k and v."));
        return;
    }
    const core::AttentionTrace& trace = *r.trace;  // the decoder's for cross-attention (its rows are the queries)
    if (m_head.layer < 0 || m_head.layer >= trace.nLayers() || m_head.head < 0 || m_head.head >= trace.nHeads()) {
        showMessage(tr("This model has no head L%1 H%2.").arg(m_head.layer).arg(m_head.head));
        return;
    }
    const core::LayerCapture* capture = r.capture(m_head.layer);
    if (capture == nullptr) {
        showMessage(tr("Computing layer %1's q, k and v...").arg(m_head.layer));
        return;
    }
    const int queries = trace.seqLen();
    const int keys = r.isCross() ? r.cross->cols() : queries;
    const int query = m_query >= 0 && m_query < queries ? m_query : queries - 1;
    auto row = r.isCross() ? core::explainCrossRow(*capture, *r.cross, m_head.head, query)
                           : core::explainRow(*capture, trace, m_head.head, query);
    if (!row) {
        showMessage(QString::fromStdString(row.error()));
        return;
    }
    ExplainData data;
    data.row = std::move(row.value());
    std::vector<int> all(static_cast<std::size_t>(keys));
    std::iota(all.begin(), all.end(), 0);
    data.labels = r.isCross() ? r.colLabels(all) : r.labels(all);
    data.queryLabel = r.labels({query}).value(0);
    data.queries = queries;
    data.cross = r.isCross();
    data.modelName = r.kind ? r.modelName + QStringLiteral(" \u00b7 ") + attentionKindTitle(*r.kind) : r.modelName;
    data.nHeads = capture->nHeads;
    data.dModel = capture->dModel;
    data.kvGroup = kvGroupText(m_head.head, capture->nHeads, capture->nKvHeads);
    data.residualRule = QString::fromStdString(capture->residualRule);
    if (capture->headContributionNorms.rows() > query && capture->headContributionNorms.cols() > m_head.head) {
        data.contribution = capture->headContributionNorms(query, m_head.head);
    }
    if (capture->blockOutput.rows() > query) data.blockOutput = capture->blockOutput.row(query).norm();
    ExplainOptions o = m_figure->options();
    if (o.sortKey >= keys) o.sortKey = -1;
    m_figure->setOptions(o);
    m_figure->setData(std::move(data));
    m_message.clear();
    m_stack->setCurrentWidget(m_scroll);
    m_canvas->fit(figureWidth());
}

void ExplainView::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    if (m_figure->data().valid()) m_canvas->fit(figureWidth());
}

int ExplainView::figureWidth() const {
    // The width beside a vertical scroll bar: a long text always has one, and
    // fitting the bare viewport would then need a horizontal one too.
    return std::max(400, m_scroll->contentsRect().width() - m_scroll->verticalScrollBar()->sizeHint().width());
}

QString ExplainView::hoverAt(QPointF p) {
    const ExplainHit hit = m_figure->hitTest(m_canvas->size(), p);
    const QString text = m_figure->hitText(hit);
    emit hoverText(text);
    return text;
}

void ExplainView::clickAt(QPointF p) {
    const ExplainHit hit = m_figure->hitTest(m_canvas->size(), p);
    if (hit.part == ExplainHit::Part::Token && !m_figure->data().cross) {
        emit queryChosen(hit.key);
    } else if (hit.part == ExplainHit::Part::Products) {
        setSortKey(m_figure->options().sortKey == hit.key ? -1 : hit.key);
    }
}

QSize ExplainView::canvasSize() const { return m_canvas->size(); }

QString ExplainView::figureTitle() const { return m_figure->title(); }

QSize ExplainView::figureSize() const { return m_figure->sizeFor(1100); }

void ExplainView::render(QPainter& painter, QSize size) const { m_figure->render(painter, size); }

core::Status ExplainView::exportJson(const QString& path) const {
    if (!m_figure->data().valid()) return core::makeError(core::ErrorCode::InvalidInput, exportProblem().toStdString());
    core::ExplainJsonHeader header;
    header.model = m_result->modelName.toStdString();
    for (const QString& l : m_figure->data().labels) header.tokens.push_back(l.toStdString());
    header.mask = m_result->trace->mask().toString();
    if (m_result->kind) header.attention = attentionKindName(*m_result->kind).toStdString();
    if (m_result->isCross()) {
        header.mask = "none (cross-attention)";
        for (const QString& l : m_result->labels(m_result->visibleTokens(false))) header.queryTokens.push_back(l.toStdString());
    }
    return core::writeFileAtomically(path.toStdString(), [&](std::FILE* out, std::string&) {
        return core::writeExplainJson(out, header, m_figure->data().row);
    });
}

QString ExplainView::exportProblem() const {
    return m_figure->data().valid() ? QString() : (m_message.isEmpty() ? tr("Nothing to export yet.") : m_message);
}

}  // namespace attnviz::ui
