// The Explain view (issue 21): the row it draws is the trace's own row and
// the capture's own q, k and v; clicking a key makes it the query; the
// products mode sorts dimensions by one key's score; encoder-decoder models
// explain their encoder, decoder and cross-attention rows; the window
// captures the chosen layer only while the tab is open; the figure exports.
#include "ui_fixture.h"

#include "support/fixture_models.h"
#include "support/test_settings.h"

#include "attnviz/core/layer_capture.h"
#include "attnviz/core/seq2seq_session.h"
#include "attnviz/ui/session/seq2seq_compute.h"
#include "attnviz/ui/export/painted_figure.h"
#include "attnviz/ui/session/session_model.h"
#include "attnviz/ui/session/session_result.h"
#include "attnviz/ui/views/explain_view.h"
#include "attnviz/ui/window/main_window.h"
#include "panels/input_panel.h"
#include "window/default_models.h"
#include "window/view_state.h"
#include "support/test_paths.h"
#include "support/verify_result.h"
#include "views/explain_figure.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPlainTextEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QtTest>

#include <cmath>

using namespace attnviz;

class TestExplainView : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(test::isolateSettings(m_settings.path())); }
    void init() { QSettings("attnviz", "attnviz").clear(); }
    void rowIsTheTraceRow_data();
    void rowIsTheTraceRow();
    void clickingAKeyMakesItTheQuery();
    void productsSortDimensions();
    void messagesAndExport();
    void encoderDecoderAttentions();
    void windowCapturesWhileOpen();

private:
    QTemporaryDir m_settings;
    QTemporaryDir m_tmp;
};

namespace {

core::Result<std::shared_ptr<const ui::SessionResult>> runCaptured(const ui::LoadedModel& model,
                                                                  const std::vector<int>& ids, int layer) {
    ui::RunFeatures features;
    features.captureLayer = layer;
    return ui::runSession(model, test::idTokens(ids), core::MaskMode::defaultMode(), nullptr, features);
}

}  // namespace

void TestExplainView::rowIsTheTraceRow_data() {
    QTest::addColumn<QString>("preset");
    QTest::newRow("gpt2") << "tiny-gpt2";
    QTest::newRow("llama (RoPE)") << "tiny-llama";
    QTest::newRow("bert") << "tiny-bert";
}

void TestExplainView::rowIsTheTraceRow() {
    QFETCH(QString, preset);
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, preset.toStdString()));
    ATTNVIZ_UNWRAP(result, runCaptured(model, {4, 9, 16, 25, 36, 7}, 1));
    const core::AttentionTrace& trace = *result->trace;
    const core::LayerCapture* capture = trace.capture(1);
    QVERIFY(capture != nullptr);
    QVERIFY(trace.capture(0) == nullptr);  // only the layer asked for
    ui::ExplainView view;
    view.resize(900, 700);
    view.setResult(result);
    view.setHead({1, 1});
    view.setQuery(4);
    QVERIFY2(view.message().isEmpty(), qPrintable(view.message()));
    const core::ExplainedRow& row = view.data().row;
    QCOMPARE(row.query, 4);
    QCOMPARE(row.keys, 6);
    const int hd = capture->headDim;
    const int kv = 1 / (capture->nHeads / capture->nKvHeads);
    QCOMPARE(row.kvHead, kv);
    double sum = 0;
    for (int j = 0; j < 6; ++j) {
        QCOMPARE(row.probabilities[j], trace.prob(1, 1, 4, j));
        sum += row.probabilities[j];
        // Row j of K for this head's KV head, as the capture holds it.
        for (int d = 0; d < hd; ++d) QCOMPARE(row.k[j * hd + d], capture->k(j, kv * hd + d));
    }
    QVERIFY(std::abs(sum - 1.0) < 1e-5);
    for (int d = 0; d < hd; ++d) QCOMPARE(row.q[d], capture->q(4, 1 * hd + d));
    // The output is the probabilities times V, as the capture's context holds it.
    for (int d = 0; d < hd; ++d) QVERIFY(std::abs(row.output[d] - capture->context(4, 1 * hd + d)) < 1e-5);
    QCOMPARE(static_cast<int>(row.qBeforeRope.empty()), preset == QLatin1String("tiny-llama") ? 0 : 1);
    // Hovering a probability cell tells its exact value.
    const QSize size = view.canvasSize();
    bool found = false;
    for (int y = 0; y < size.height() && !found; y += 2) {
        for (int x = 0; x < size.width() && !found; x += 3) {
            const ui::ExplainHit hit = view.figure().hitTest(size, QPointF(x, y));
            if (hit.part == ui::ExplainHit::Part::Probability && hit.key == 2) {
                QVERIFY(view.hoverAt(QPointF(x, y)).contains(QString::number(row.probabilities[2], 'g', 8)));
                found = true;
            }
        }
    }
    QVERIFY(found);
}

void TestExplainView::clickingAKeyMakesItTheQuery() {
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-gpt2"));
    ATTNVIZ_UNWRAP(result, runCaptured(model, {4, 9, 16, 25, 36}, 0));
    ui::ExplainView view;
    view.resize(900, 700);
    view.setResult(result);
    view.setHead({0, 0});
    QCOMPARE(view.query(), 4);  // no highlighted token: the last one
    QSignalSpy chosen(&view, &ui::ExplainView::queryChosen);
    const QSize size = view.canvasSize();
    for (int y = 0; y < size.height(); ++y) {
        const ui::ExplainHit hit = view.figure().hitTest(size, QPointF(20, y));
        if (hit.part == ui::ExplainHit::Part::Token && hit.key == 2) {
            view.clickAt(QPointF(20, y));
            break;
        }
    }
    QCOMPARE(chosen.count(), 1);
    QCOMPARE(chosen.at(0).at(0).toInt(), 2);
    view.setQuery(2);
    QCOMPARE(view.data().row.query, 2);
    // A causal query sees keys 0..2 only.
    QCOMPARE(view.data().row.visible[3], static_cast<unsigned char>(0));
    QCOMPARE(view.data().row.probabilities[3], 0.0f);
}

void TestExplainView::productsSortDimensions() {
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-llama"));
    ATTNVIZ_UNWRAP(result, runCaptured(model, {4, 9, 16, 25, 36}, 1));
    ui::ExplainView view;
    view.setResult(result);
    view.setHead({1, 0});
    view.setShowProducts(true);
    view.setSortKey(2);
    const ui::ExplainFigure& f = view.figure();
    const core::ExplainedRow& row = view.data().row;
    const int hd = static_cast<int>(row.q.size());
    const std::vector<float>& p = f.products();
    for (int j = 0; j < row.keys; ++j) {
        double s = 0;
        for (int d = 0; d < hd; ++d) {
            QCOMPARE(p[j * hd + d], row.q[d] * row.k[j * hd + d]);
            s += p[j * hd + d];
        }
        QVERIFY(std::abs(s - row.scores[j]) < 1e-4 * std::max(1.0f, std::abs(row.scores[j])));
    }
    const std::vector<int>& order = f.dimensionOrder();
    QCOMPARE(static_cast<int>(order.size()), hd);
    for (int d = 1; d < hd; ++d) QVERIFY(p[2 * hd + order[d - 1]] >= p[2 * hd + order[d]]);
    QVERIFY(f.subtitle().contains(QStringLiteral("key 2")));
}

void TestExplainView::messagesAndExport() {
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-gpt2"));
    ATTNVIZ_UNWRAP(plain, test::runIds(model, {4, 9, 16}));
    ui::ExplainView view;
    view.setResult(plain);
    view.setHead({0, 0});
    QVERIFY(view.message().contains(QStringLiteral("Computing")));  // the window re-runs with a capture
    QVERIFY(!view.exportProblem().isEmpty());
    ATTNVIZ_UNWRAP(result, runCaptured(model, {4, 9, 16}, 0));
    view.setResult(result);
    view.setHead({0, -1});
    QVERIFY(view.message().contains(QStringLiteral("one head")));
    view.setHead({0, 1});
    QVERIFY(view.message().isEmpty());
    const QString path = m_tmp.filePath(QStringLiteral("explain.png"));
    QVERIFY(ui::exportPaintedFigure(view, path, ui::ExportFormat::Png).ok());
    const QImage image(path);
    QVERIFY(!image.isNull());
    QVERIFY(image.height() > 300);
    const QString svg = m_tmp.filePath(QStringLiteral("explain.svg"));
    QVERIFY(ui::exportPaintedFigure(view, svg, ui::ExportFormat::Svg).ok());
    QFile file(svg);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(file.readAll().contains("a_ij"));
    // The numbers as JSON, as attnviz-cli explain writes them.
    const QString jsonPath = m_tmp.filePath(QStringLiteral("explain.json"));
    QVERIFY(view.exportJson(jsonPath).ok());
    QFile jsonFile(jsonPath);
    QVERIFY(jsonFile.open(QIODevice::ReadOnly));
    const QJsonObject o = QJsonDocument::fromJson(jsonFile.readAll()).object();
    QCOMPARE(o.value(QStringLiteral("head")).toInt(), 1);
    const QJsonArray p = o.value(QStringLiteral("probabilities")).toArray();
    QCOMPARE(p.size(), 3);
    for (int j = 0; j < 3; ++j) QCOMPARE(static_cast<float>(p.at(j).toDouble()), view.data().row.probabilities[j]);
    QCOMPARE(o.value(QStringLiteral("tokens")).toArray().size(), 3);
}

void TestExplainView::encoderDecoderAttentions() {
    // One run captures the layer in all three attentions: switching between
    // them needs no new run.
    ATTNVIZ_UNWRAP(dir, test::writeFixture(m_tmp, "tiny-t5"));
    ATTNVIZ_UNWRAP(session, core::Seq2SeqSession::open(dir));
    ui::RunFeatures features;
    features.captureLayer = 1;
    const std::vector<core::Token> source = test::idTokens({3, 9, 4, 1, 5});
    const std::vector<core::Token> decoder = test::idTokens({0, 6, 7});
    ATTNVIZ_UNWRAP(views, ui::runSeq2SeqTokens(*session, source, decoder, core::MaskMode::defaultMode(),
                                               core::MaskMode::defaultMode(), {}, nullptr, features));
    for (ui::AttentionKind kind : {ui::AttentionKind::Encoder, ui::AttentionKind::Decoder, ui::AttentionKind::Cross}) {
        const auto& r = views->at(kind);
        const bool cross = kind == ui::AttentionKind::Cross;
        ui::ExplainView view;
        view.resize(900, 700);
        view.setResult(r);
        view.setHead({1, 1});
        view.setQuery(1);
        QVERIFY2(view.message().isEmpty(), qPrintable(ui::attentionKindName(kind) + ": " + view.message()));
        const core::ExplainedRow& row = view.data().row;
        QCOMPARE(row.query, 1);
        QCOMPARE(row.keys, kind == ui::AttentionKind::Decoder ? 3 : 5);
        QCOMPARE(view.data().cross, cross);
        for (int j = 0; j < row.keys; ++j) {
            QCOMPARE(row.probabilities[j], cross ? r->cross->prob(1, 1, 1, j) : r->trace->prob(1, 1, 1, j));
        }
        QVERIFY(view.figureTitle().contains(ui::attentionKindTitle(kind)));
        QCOMPARE(view.data().queryLabel, r->labels({1}).value(0));
        // Decoder self-attention: causal, key 2 hidden from query 1.
        if (kind == ui::AttentionKind::Decoder) QCOMPARE(row.visible[2], static_cast<unsigned char>(0));
        if (!cross) continue;
        // The keys are source tokens: clicking one does not make it the query.
        QCOMPARE(view.data().labels, r->colLabels({0, 1, 2, 3, 4}));
        QSignalSpy chosen(&view, &ui::ExplainView::queryChosen);
        const QSize size = view.canvasSize();
        bool clicked = false;
        for (int y = 0; y < size.height() && !clicked; ++y) {
            const ui::ExplainHit hit = view.figure().hitTest(size, QPointF(20, y));
            if (hit.part == ui::ExplainHit::Part::Token) {
                QVERIFY(view.hoverAt(QPointF(20, y)).contains(QStringLiteral("decoder token")));
                view.clickAt(QPointF(20, y));
                clicked = true;
            }
        }
        QVERIFY(clicked);
        QCOMPARE(chosen.count(), 0);
        const QString jsonPath = m_tmp.filePath(QStringLiteral("cross.json"));
        QVERIFY(view.exportJson(jsonPath).ok());
        QFile jsonFile(jsonPath);
        QVERIFY(jsonFile.open(QIODevice::ReadOnly));
        const QJsonObject o = QJsonDocument::fromJson(jsonFile.readAll()).object();
        QCOMPARE(o.value(QStringLiteral("attention")).toString(), QStringLiteral("cross"));
        QCOMPARE(o.value(QStringLiteral("tokens")).toArray().size(), 5);
        QCOMPARE(o.value(QStringLiteral("query_tokens")).toArray().size(), 3);
    }
}

void TestExplainView::windowCapturesWhileOpen() {
    QString dir;
    for (const ui::DefaultModel& m : ui::defaultModels()) {
        if (m.causal) dir = m.dir;
    }
    if (dir.isEmpty()) QSKIP("no bundled causal model (resources/models)");
    auto window = std::make_unique<ui::MainWindow>();
    const QString text = QStringLiteral("The animal didn't cross the road because it was too tired.");
    window->inputPanel()->textEdit()->setPlainText(text);
    window->openModelFolder(dir);
    QVERIFY(QTest::qWaitFor([&] {
        return window->session()->result() && !window->session()->isComputing() && window->session()->input().text == text;
    }, 30000));
    QVERIFY(window->session()->result()->trace->capture(0) == nullptr);  // not while the tab is closed
    auto* explain = window->findChild<ui::ExplainView*>();
    QVERIFY(explain != nullptr);
    window->tabs()->setCurrentWidget(explain);
    QVERIFY(QTest::qWaitFor([&] { return explain->message().isEmpty() && explain->data().valid(); }, 30000));
    const auto r = window->session()->result();
    QVERIFY(r->trace->capture(window->session()->features().captureLayer) != nullptr);
    QCOMPARE(explain->query(), r->tokenCount() - 1);
    // Another head of the same layer needs no new run; the row is that head's.
    const ui::HeadRef head = explain->head();
    window->viewState()->setHead({head.layer, (head.head + 1) % r->trace->nHeads()});
    QCOMPARE(explain->data().row.head, (head.head + 1) % r->trace->nHeads());
    QCOMPARE(explain->data().row.probabilities[0], r->trace->prob(head.layer, explain->data().row.head, r->tokenCount() - 1, 0));
    // A window that starts on the Explain tab (remembered) captures at once.
    {
        ui::MainWindow second;
        auto* restored = second.findChild<ui::ExplainView*>();
        QCOMPARE(second.tabs()->currentWidget(), static_cast<QWidget*>(restored));
        second.inputPanel()->textEdit()->setPlainText(text);
        second.openModelFolder(dir);
        QVERIFY(QTest::qWaitFor([&] { return restored->message().isEmpty() && restored->data().valid(); }, 30000));
    }
    // Leaving the tab stops asking for captures.
    window->tabs()->setCurrentIndex(0);
    QCOMPARE(window->session()->features().captureLayer, -1);
}

QTEST_MAIN(TestExplainView)
#include "test_explain_view.moc"
