// Encoder-decoder models in the window: the t5 golden fixture opens through
// core::Seq2SeqSession, a source and a target typed into the input panel
// give the three kinds of attention, each equal to core::Seq2SeqModel::run on
// the same ids (exactly) and to Hugging Face's (the golden case, 1e-5); the
// cross-attention heatmap has target rows and source columns with their
// labels; the "Attention" selector switches every view and is remembered;
// an empty target generates and the decoder tokens are the generated ones.
#include "support/test_paths.h"
#include "support/test_settings.h"
#include "support/verify_result.h"
#include "ui_fixture.h"

#include "attnviz/core/seq2seq_model.h"
#include "attnviz/ui/session/session_model.h"
#include "attnviz/ui/views/head_grid_view.h"
#include "attnviz/ui/views/head_view.h"
#include "attnviz/ui/window/main_window.h"
#include "panels/input_panel.h"
#include "panels/predictions_panel.h"
#include "panels/view_controls.h"

#include <QComboBox>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPlainTextEdit>
#include <QSettings>
#include "attnviz/ui/views/analysis_kind.h"

#include <QtTest>
#include <qcustomplot.h>

#include <cmath>

using namespace attnviz;

namespace {

// The golden case the window is checked against (README-encdec.md).
const char* kCase = "t5__in1__teacher.json";

std::vector<std::int32_t> idsOf(const std::vector<core::Token>& tokens) {
    std::vector<std::int32_t> ids;
    for (const core::Token& t : tokens) ids.push_back(t.id);
    return ids;
}

std::vector<std::int32_t> jsonIds(const QJsonValue& v) {
    std::vector<std::int32_t> ids;
    for (const QJsonValue& x : v.toArray()) ids.push_back(x.toInt());
    return ids;
}

// Largest |a - b| over every (layer, head, row, col).
double maxDiff(const QJsonArray& golden, int nLayers, int nHeads, int rows, int cols,
               const std::function<float(int, int, int, int)>& value) {
    double worst = golden.size() == nLayers ? 0.0 : INFINITY;
    for (int l = 0; l < nLayers && l < golden.size(); ++l) {
        const QJsonArray heads = golden[l].toArray();
        if (heads.size() != nHeads) return INFINITY;
        for (int h = 0; h < nHeads; ++h) {
            const QJsonArray m = heads[h].toArray();
            if (m.size() != rows) return INFINITY;
            for (int r = 0; r < rows; ++r) {
                const QJsonArray row = m[r].toArray();
                if (row.size() != cols) return INFINITY;
                for (int c = 0; c < cols; ++c) worst = std::max(worst, std::abs(row[c].toDouble() - value(l, h, r, c)));
            }
        }
    }
    return worst;
}

}  // namespace

class TestSeq2SeqWindow : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void threeKindsEqualTheModel();
    void crossHeatmapIsTargetBySource();
    void selectorSwitchesAndIsRemembered();
    void generatesWithoutTarget();
    void decoderOnlyModelsUnchanged();
    void failedOpenKeepsTheModel();

private:
    // A window with the t5 fixture open and `source` / `target` typed, the
    // run shown; null (m_failure says why) when it does not come.
    std::unique_ptr<ui::MainWindow> openT5(const QString& source, const QString& target);

    QTemporaryDir m_settingsDir;
    QTemporaryDir m_tmp;
    QString m_t5;
    QJsonObject m_golden;
    QString m_failure;
};

void TestSeq2SeqWindow::initTestCase() {
    QVERIFY(test::isolateSettings(m_settingsDir.path()));
    ATTNVIZ_REQUIRE_DIR(golden, test::goldenDir, "golden references");
    const std::filesystem::path t5 = golden / "encdec" / "fixtures" / "t5";
    if (!std::filesystem::exists(t5 / "config.json")) QSKIP("the t5 golden fixture (golden/encdec/fixtures/t5) is absent");
    m_t5 = QString::fromStdString(t5.string());
    QFile file(QString::fromStdString((golden / "encdec" / "attention" / kCase).string()));
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
    m_golden = QJsonDocument::fromJson(file.readAll()).object();
    QVERIFY(!m_golden.isEmpty());
}

std::unique_ptr<ui::MainWindow> TestSeq2SeqWindow::openT5(const QString& source, const QString& target) {
    auto window = std::make_unique<ui::MainWindow>();
    ui::SessionModel* session = window->session();
    QSignalSpy changed(session, &ui::SessionModel::modelChanged);
    QSignalSpy failed(session, &ui::SessionModel::loadFailed);
    window->openModelFolder(m_t5);
    if (!changed.wait(30000)) {
        m_failure = failed.isEmpty() ? QStringLiteral("the t5 fixture did not open")
                                     : failed.first().at(1).toString();
        return nullptr;
    }
    QSignalSpy ready(session, &ui::SessionModel::resultReady);
    window->inputPanel()->textEdit()->setPlainText(source);
    window->inputPanel()->targetEdit()->setPlainText(target);
    session->recompute();
    // The run of exactly this input (an earlier one may arrive first).
    for (int i = 0; i < 10; ++i) {
        if (!ready.wait(30000)) break;
        if (session->input().text == source && session->input().target == target && !session->isComputing()) {
            return window;
        }
    }
    m_failure = QStringLiteral("no result for the typed input: %1").arg(session->lastError());
    return nullptr;
}

void TestSeq2SeqWindow::threeKindsEqualTheModel() {
    const QString source = m_golden[QStringLiteral("source")].toString();
    const QString target = m_golden[QStringLiteral("target")].toString();
    auto window = openT5(source, target);
    QVERIFY2(window, qPrintable(m_failure));
    ui::SessionModel* session = window->session();
    QVERIFY(session->model().isSeq2Seq());
    const auto views = session->seq2seqViews();
    QVERIFY(views);
    const core::Seq2SeqRunResult& run = *views->run;
    QVERIFY(!run.generation);  // teacher-forced

    // The ids Hugging Face's tokenizer and shift right give.
    const std::vector<std::int32_t> sourceIds = idsOf(run.sourceTokens);
    const std::vector<std::int32_t> decoderIds = idsOf(run.decoderTokens);
    QCOMPARE(sourceIds, jsonIds(m_golden[QStringLiteral("input_ids")]));
    QCOMPARE(decoderIds, jsonIds(m_golden[QStringLiteral("decoder_input_ids")]));

    // The same ids through the model directly: every kind exactly equal.
    ATTNVIZ_UNWRAP(model, core::loadSeq2SeqModel(m_t5.toStdString()));
    ATTNVIZ_UNWRAP(expected, model->run(sourceIds, decoderIds, {}));
    const int S = static_cast<int>(sourceIds.size());
    const int T = static_cast<int>(decoderIds.size());
    for (ui::AttentionKind kind : {ui::AttentionKind::Encoder, ui::AttentionKind::Decoder, ui::AttentionKind::Cross}) {
        const auto& r = views->at(kind);
        QVERIFY(r);
        QCOMPARE(r->kind, std::optional(kind));
        const bool cross = kind == ui::AttentionKind::Cross;
        const bool encoder = kind == ui::AttentionKind::Encoder;
        const core::AttentionTrace& want = encoder ? expected.encoder : expected.decoder;
        QCOMPARE(r->tokenCount(), encoder ? S : T);
        QCOMPARE(r->isCross(), cross);
        for (int l = 0; l < want.nLayers(); ++l) {
            for (int h = 0; h < want.nHeads(); ++h) {
                const int rows = encoder ? S : T;
                const int cols = cross ? S : rows;
                const float* got = cross ? r->cross->probs(l, h) : r->trace->probs(l, h);
                const float* ref = cross ? expected.cross.probs(l, h) : want.probs(l, h);
                for (int i = 0; i < rows * cols; ++i) {
                    if (got[i] != ref[i]) {
                        QFAIL(qPrintable(QStringLiteral("%1 L%2H%3 element %4: %5 != %6")
                                             .arg(ui::attentionKindName(kind)).arg(l).arg(h).arg(i)
                                             .arg(got[i]).arg(ref[i])));
                    }
                }
            }
        }
    }

    // And Hugging Face's (eager, float32) within 1e-5.
    const auto& enc = *views->at(ui::AttentionKind::Encoder)->trace;
    const auto& dec = *views->at(ui::AttentionKind::Decoder)->trace;
    const auto& crs = *views->at(ui::AttentionKind::Cross)->cross;
    QVERIFY(maxDiff(m_golden[QStringLiteral("encoder_attentions")].toArray(), enc.nLayers(), enc.nHeads(), S, S,
                    [&](int l, int h, int r, int c) { return enc.prob(l, h, r, c); }) < 1e-5);
    QVERIFY(maxDiff(m_golden[QStringLiteral("decoder_attentions")].toArray(), dec.nLayers(), dec.nHeads(), T, T,
                    [&](int l, int h, int r, int c) { return dec.prob(l, h, r, c); }) < 1e-5);
    QVERIFY(maxDiff(m_golden[QStringLiteral("cross_attentions")].toArray(), crs.nLayers(), crs.nHeads(), T, S,
                    [&](int l, int h, int r, int c) { return crs.prob(l, h, r, c); }) < 1e-5);

    // The value-weighted analyses of both self-attentions: a_ij times the
    // key's value norm, the one the model records for that stack.
    ATTNVIZ_UNWRAP(withNorms, model->run(sourceIds, decoderIds, [] {
        core::Seq2SeqRunOptions o;
        o.captureValueNorms = true;
        return o;
    }()));
    for (const auto* stack : {&enc, &dec}) {
        const core::AttentionTrace& norms = stack == &enc ? withNorms.encoder : withNorms.decoder;
        QVERIFY(stack->hasValueNorms());
        ATTNVIZ_UNWRAP(m, ui::analysisMatrix(*stack, ui::AnalysisKind::ValueNorms, ui::HeadRef{1, 2}));
        const int n = stack->seqLen();
        for (int i = 0; i < n; ++i) {
            for (int j = 0; j < n; ++j) {
                QCOMPARE(m.at(i, j), stack->prob(1, 2, i, j) * norms.valueNorms(1, 2)[j]);
            }
        }
    }
}

void TestSeq2SeqWindow::crossHeatmapIsTargetBySource() {
    const QString source = m_golden[QStringLiteral("source")].toString();
    const QString target = m_golden[QStringLiteral("target")].toString();
    auto window = openT5(source, target);
    QVERIFY2(window, qPrintable(m_failure));
    ui::SessionModel* session = window->session();
    session->setAttentionKind(ui::AttentionKind::Cross);
    const auto r = session->result();
    QVERIFY(r && r->isCross());
    const core::Seq2SeqRunResult& run = *session->seq2seqViews()->run;
    const int S = static_cast<int>(run.sourceTokens.size());
    const int T = static_cast<int>(run.decoderTokens.size());
    QVERIFY(S != T || S > 0);

    ui::HeadView* view = window->headView();
    view->setHead({1, 2});
    view->ensureCurrent();
    QCPColorMap* map = view->colorMap();
    QVERIFY(map);
    // (cols, rows) as QCustomPlot counts them: source columns, target rows.
    QCOMPARE(map->data()->keySize(), S);
    QCOMPARE(map->data()->valueSize(), T);
    for (int q = 0; q < T; ++q) {
        for (int k = 0; k < S; ++k) QCOMPARE(test::cellAt(map, q, k), static_cast<double>(run.trace.cross.prob(1, 2, q, k)));
    }
    // Labels: target tokens down the side, source tokens along the bottom.
    const auto csv = view->csvMatrix();
    QVERIFY(csv);
    QCOMPARE(csv->rowLabels.size(), T);
    QCOMPARE(csv->colLabels.size(), S);
    for (int q = 0; q < T; ++q) QCOMPARE(csv->rowLabels[q], QString::fromStdString(run.decoderTokens[q].display));
    for (int k = 0; k < S; ++k) QCOMPARE(csv->colLabels[k], QString::fromStdString(run.sourceTokens[k].display));
    // The hover text names both and the exact value.
    const QString text = view->cellText(3, 5);
    QVERIFY2(text.contains(QStringLiteral("'%1'").arg(QString::fromStdString(run.decoderTokens[3].display))), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("'%1'").arg(QString::fromStdString(run.sourceTokens[5].display))), qPrintable(text));
    QVERIFY2(text.contains(QString::number(run.trace.cross.prob(1, 2, 3, 5), 'f', 4)), qPrintable(text));
    // The title says which attention it is.
    QVERIFY2(view->figureTitle().contains(QStringLiteral("cross-attention")), qPrintable(view->figureTitle()));

    // The overview: every thumbnail target x source.
    ui::HeadGridView* grid = window->overview();
    grid->ensureCurrent();
    QVERIFY2(grid->figureTitle().contains(QStringLiteral("cross-attention")), qPrintable(grid->figureTitle()));

    // The predictions: the decoder's next token at its last position, as Hugging Face's top 5.
    if (!session->result()->predictionsComputed) {
        QSignalSpy ready(session, &ui::SessionModel::resultReady);
        window->inputPanel()->predictionsPanel()->setPredictionsWanted(true);
        QVERIFY(ready.wait(30000));
    }
    const auto withPredictions = session->result();
    QVERIFY(withPredictions->predictionsComputed);
    QCOMPARE(static_cast<int>(withPredictions->predictions.size()), 1);
    QCOMPARE(withPredictions->predictions[0].position, T - 1);
    const QJsonArray top = m_golden[QStringLiteral("top5_next")].toObject()[QStringLiteral("ids")].toArray();
    const std::vector<std::int32_t> want = jsonIds(top.last());
    std::vector<std::int32_t> got;
    for (const ui::PredictedToken& p : withPredictions->predictions[0].top) got.push_back(p.id);
    QCOMPARE(got, want);
}

void TestSeq2SeqWindow::selectorSwitchesAndIsRemembered() {
    auto window = openT5(QStringLiteral("translate English to German: The house is wonderful."),
                         QStringLiteral("Das Haus ist wunderbar."));
    QVERIFY2(window, qPrintable(m_failure));
    ui::SessionModel* session = window->session();
    QComboBox* combo = window->controls()->attentionKindCombo();
    QVERIFY(window->controls()->attentionKindShown());
    QVERIFY(window->inputPanel()->targetEdit()->isVisibleTo(window->inputPanel()));
    const auto views = session->seq2seqViews();
    const int S = static_cast<int>(views->run->sourceTokens.size());
    const int T = static_cast<int>(views->run->decoderTokens.size());
    QVERIFY(S != T);

    const int before = session->computeCount();
    combo->setCurrentIndex(static_cast<int>(ui::AttentionKind::Encoder));
    QCOMPARE(session->attentionKind(), ui::AttentionKind::Encoder);
    QCOMPARE(session->result()->kind, std::optional(ui::AttentionKind::Encoder));
    QCOMPARE(session->computeCount(), before);  // the same run, nothing recomputed
    window->headView()->ensureCurrent();
    QCOMPARE(window->headView()->colorMap()->data()->keySize(), S);
    QCOMPARE(window->headView()->colorMap()->data()->valueSize(), S);
    QCOMPARE(QSettings(QStringLiteral("attnviz"), QStringLiteral("attnviz")).value("view/attentionKind").toString(),
             QStringLiteral("encoder"));

    combo->setCurrentIndex(static_cast<int>(ui::AttentionKind::Decoder));
    window->headView()->ensureCurrent();
    QCOMPARE(window->headView()->colorMap()->data()->keySize(), T);
    QCOMPARE(window->headView()->colorMap()->data()->valueSize(), T);
    QVERIFY(window->headView()->figureTitle().contains(QStringLiteral("decoder self-attention")));

    // The keyboard: Ctrl+Shift+X is cross.
    window->show();
    window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(window.get()));
    QTest::keyClick(window.get(), Qt::Key_X, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(session->attentionKind(), ui::AttentionKind::Cross);
    QCOMPARE(combo->currentIndex(), static_cast<int>(ui::AttentionKind::Cross));
    QTest::keyClick(window.get(), Qt::Key_E, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(session->attentionKind(), ui::AttentionKind::Encoder);
    window->close();

    // A new window starts on the remembered kind.
    ui::MainWindow second;
    QCOMPARE(second.controls()->attentionKind(), ui::AttentionKind::Encoder);
    QCOMPARE(second.session()->attentionKind(), ui::AttentionKind::Encoder);
}

void TestSeq2SeqWindow::generatesWithoutTarget() {
    const QString source = QStringLiteral("translate English to German: The house is wonderful.");
    auto window = openT5(source, QString());
    QVERIFY2(window, qPrintable(m_failure));
    const auto views = window->session()->seq2seqViews();
    QVERIFY(views);
    const core::Seq2SeqRunResult& run = *views->run;
    QVERIFY(run.generation);
    // The model's own greedy generation, up to the default number of new tokens.
    ATTNVIZ_UNWRAP(model, core::loadSeq2SeqModel(m_t5.toStdString()));
    core::GenerateOptions options;
    options.maxNewTokens = ui::kDefaultNewTokens;
    const std::vector<std::int32_t> sourceIds = idsOf(run.sourceTokens);
    ATTNVIZ_UNWRAP(generated, model->generate(sourceIds, options));
    QCOMPARE(run.generation->decoderIds, generated.decoderIds);
    QVERIFY(generated.decoderIds.size() >= 2);
    // The decoder tokens are the generated ones fed back (start token first,
    // the last generated token is what the last position produced).
    const std::vector<std::int32_t> fed(generated.decoderIds.begin(), generated.decoderIds.end() - 1);
    QCOMPARE(idsOf(run.decoderTokens), fed);
    QCOMPARE(views->at(ui::AttentionKind::Decoder)->tokenCount(), static_cast<int>(fed.size()));
    ATTNVIZ_UNWRAP(expected, model->run(sourceIds, fed, {}));
    const auto& cross = *views->at(ui::AttentionKind::Cross)->cross;
    QCOMPARE(cross.rows(), static_cast<int>(fed.size()));
    QCOMPARE(cross.cols(), static_cast<int>(sourceIds.size()));
    for (int l = 0; l < cross.nLayers(); ++l) {
        for (int h = 0; h < cross.nHeads(); ++h) {
            for (int i = 0; i < cross.rows() * cross.cols(); ++i) QCOMPARE(cross.probs(l, h)[i], expected.cross.probs(l, h)[i]);
        }
    }
    // Typing a target then teacher-forces it.
    ui::SessionModel* session = window->session();
    QSignalSpy ready(session, &ui::SessionModel::resultReady);
    window->inputPanel()->targetEdit()->setPlainText(QStringLiteral("Das Haus"));
    QVERIFY(ready.wait(30000));
    QVERIFY(!session->seq2seqViews()->run->generation);
}

void TestSeq2SeqWindow::decoderOnlyModelsUnchanged() {
    ui::MainWindow window;
    ATTNVIZ_UNWRAP(fixture, test::loadFixture(m_tmp, "tiny-gpt2"));
    QSignalSpy ready(window.session(), &ui::SessionModel::resultReady);
    window.session()->setModel(std::move(fixture));
    window.session()->setText(QStringLiteral("3 14 15 9"));
    window.session()->recompute();
    QVERIFY(ready.wait(10000));
    QVERIFY(!window.controls()->attentionKindShown());
    QVERIFY(!window.inputPanel()->targetEdit()->isVisibleTo(window.inputPanel()));
    const auto r = window.session()->result();
    QVERIFY(!r->kind && !r->isCross());
    QVERIFY(!window.headView()->figureTitle().contains(QStringLiteral("attention ·")));
}

void TestSeq2SeqWindow::failedOpenKeepsTheModel() {
    auto window = openT5(QStringLiteral("translate English to German: Hello."), QStringLiteral("Hallo."));
    QVERIFY2(window, qPrintable(m_failure));
    // A t5 folder whose weights are missing.
    const QString broken = m_tmp.filePath(QStringLiteral("t5-no-weights"));
    QVERIFY(QDir().mkpath(broken));
    QVERIFY(QFile::copy(m_t5 + QStringLiteral("/config.json"), broken + QStringLiteral("/config.json")));
    QSignalSpy failed(window->session(), &ui::SessionModel::loadFailed);
    window->openModelFolder(broken);
    QVERIFY(failed.wait(30000));
    const QString message = failed.first().at(1).toString();
    QVERIFY2(!message.isEmpty() && !message.contains(QStringLiteral("unsupported architecture")), qPrintable(message));
    QVERIFY(window->session()->model().isSeq2Seq());
    QCOMPARE(window->session()->model().dir, QDir(m_t5).absolutePath());
    QVERIFY(window->session()->result());
}

QTEST_MAIN(TestSeq2SeqWindow)
#include "test_seq2seq_window.moc"
