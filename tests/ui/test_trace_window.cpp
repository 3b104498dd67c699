// A trace file opened in the window (File > Open Trace, attnviz --trace):
// the views draw the file's attention, equal to attnviz's own run of the
// model that wrote it; the statistics are those of the run; what would
// re-run the model (text, mask, steps, predictions) is off and says why; a
// model opened afterwards brings it all back; a corrupt trace fails in place.
#include "support/fixture_models.h"
#include "support/test_settings.h"
#include "support/verify_result.h"
#include "ui_fixture.h"

#include "attnviz/core/trace_file.h"
#include "attnviz/ui/panels/head_stats_model.h"
#include "attnviz/ui/session/session_model.h"
#include "attnviz/ui/views/analysis_view.h"
#include "attnviz/ui/views/head_view.h"
#include "attnviz/ui/window/main_window.h"
#include "attnviz/ui/views/difference_view.h"
#include "panels/analysis_page.h"
#include "panels/difference_page.h"
#include "panels/head_stats_panel.h"
#include "panels/input_panel.h"
#include "panels/predictions_panel.h"
#include "window/banner.h"
#include "window/trace_drop.h"
#include "window/view_state.h"

#include <QCheckBox>
#include <QMimeData>
#include <QComboBox>
#include <QPlainTextEdit>
#include <QtTest>

#include <fstream>

using namespace attnviz;

class TestTraceWindow : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void viewsDrawTheTrace();
    void rerunningFeaturesAreOff();
    void modelAfterTraceRunsAgain();
    void corruptTraceFailsInPlace();
    void droppedTraceIsRecognised();

private:
    // Opens m_tracePath in `window` and waits for its result.
    bool openTrace(ui::MainWindow& window);

    QTemporaryDir m_settingsDir;
    QTemporaryDir m_tmp;
    QString m_tracePath;
    std::shared_ptr<const ui::SessionResult> m_direct;  // attnviz's own run (bidirectional override)
};

void TestTraceWindow::initTestCase() {
    QVERIFY(test::isolateSettings(m_settingsDir.path()));
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-gpt2"));
    // Under a mask that is not the model's own: the trace must carry it.
    ATTNVIZ_UNWRAP(direct, test::runIds(model, {3, 1, 4, 1, 5, 9}, core::MaskMode::bidirectional()));
    m_direct = direct;
    m_tracePath = m_tmp.filePath("run.safetensors");
    const core::Status written = core::writeTraceFile(m_tracePath.toStdString(),
                                                      core::traceFileHeader(*direct->run, "test_trace_window"),
                                                      *direct->trace, core::DType::F32);
    QVERIFY2(written.ok(), written.ok() ? "" : written.error().c_str());
}

bool TestTraceWindow::openTrace(ui::MainWindow& window) {
    QSignalSpy ready(window.session(), &ui::SessionModel::resultReady);
    window.openTraceFile(m_tracePath);
    return ready.wait(10000) && window.session()->isTrace();
}

void TestTraceWindow::viewsDrawTheTrace() {
    ui::MainWindow window;
    QVERIFY(openTrace(window));
    const auto result = window.session()->result();
    QCOMPARE(result->tokenCount(), 6);
    QCOMPARE(result->trace->mask(), core::MaskMode::bidirectional());
    QVERIFY(!result->maskIsDefault());
    QCOMPARE(result->modelName, m_direct->modelName);

    // The head view: every cell of L1 H1 is the run's probability.
    window.viewState()->setHead({1, 1});
    ui::HeadView* head = window.headView();
    QCPColorMap* map = head->colorMap();
    QVERIFY(map != nullptr);
    for (int q = 0; q < 6; ++q)
        for (int k = 0; k < 6; ++k) QCOMPARE(test::cellAt(map, q, k), static_cast<double>(m_direct->trace->prob(1, 1, q, k)));

    // The rollout (an analysis of the attention alone) equals the run's.
    window.analysisPage()->setKind(ui::AnalysisKind::Rollout);
    ui::AnalysisView* analysis = window.analysisPage()->view();
    ATTNVIZ_UNWRAP(rollout, ui::analysisMatrix(*m_direct->trace, ui::AnalysisKind::Rollout, {1, -1}));
    QVERIFY(analysis->colorMap() != nullptr);
    for (int q = 0; q < 6; ++q)
        for (int k = 0; k < 6; ++k) QCOMPARE(test::cellAt(analysis->colorMap(), q, k), static_cast<double>(rollout.at(q, k)));

    // The Heads table: the run's statistics; induction says why it is missing.
    const auto stats = window.headStatsPanel()->model()->orderedStats();
    QCOMPARE(stats.size(), std::size_t(4));
    const auto own = core::computeHeadStats(*m_direct->trace);
    for (const core::HeadStats& s : stats) {
        const core::HeadStats& o = own[static_cast<std::size_t>(s.layer) * 2 + s.head];
        QCOMPARE(s.entropy, o.entropy);
        QCOMPARE(s.prevToken, o.prevToken);
        QVERIFY(std::isnan(s.induction));
    }
    QCOMPARE(result->inductionProblem, QString::fromUtf8(core::kTraceCannotRerun));

    // Value norms and the run under the model's own mask need the model: said in place.
    const QString why = QString::fromUtf8(core::kTraceCannotRerun);
    window.analysisPage()->setKind(ui::AnalysisKind::ValueNorms);
    QVERIFY2(analysis->message().contains("value norms") && analysis->message().contains(why), qPrintable(analysis->message()));
    ui::DifferenceView* difference = window.differencePage()->view();
    difference->setSource(ui::DifferenceView::Source::MaskVsDefault);
    difference->setResult(result);
    QVERIFY2(difference->message().contains("cannot re-run"), qPrintable(difference->message()));
    QVERIFY(window.windowTitle().contains("run.safetensors"));
}

void TestTraceWindow::rerunningFeaturesAreOff() {
    ui::MainWindow window;
    QVERIFY(openTrace(window));
    const QString why = QString::fromUtf8(core::kTraceCannotRerun);
    auto* mask = window.findChild<QComboBox*>("maskCombo");
    auto* steps = window.findChild<QCheckBox*>("stepsCheck");
    QVERIFY(mask != nullptr && steps != nullptr);
    QVERIFY(!mask->isEnabled());
    QVERIFY2(mask->toolTip().contains(why), qPrintable(mask->toolTip()));
    QVERIFY(!steps->isEnabled());
    QVERIFY2(steps->toolTip().contains(why), qPrintable(steps->toolTip()));
    QPlainTextEdit* text = window.inputPanel()->textEdit();
    QVERIFY(text->isReadOnly());
    QVERIFY2(text->toolTip().contains(why), qPrintable(text->toolTip()));
    QVERIFY(!window.inputPanel()->predictionsPanel()->isEnabled());
    QVERIFY2(window.inputPanel()->predictionsPanel()->message().contains(why),
             qPrintable(window.inputPanel()->predictionsPanel()->message()));
    auto* banner = window.findChild<ui::Banner*>();
    QVERIFY(!banner->isHidden());
    QVERIFY2(banner->text().contains("Trace file") && banner->text().contains(why), qPrintable(banner->text()));

    // Nothing runs: edits and a recompute leave the trace on screen.
    ui::SessionModel* session = window.session();
    const int runs = session->computeCount();
    const auto shown = session->result();
    session->setText(QStringLiteral("other text"));
    session->setMask(core::MaskMode::causal());
    session->recompute();
    QTest::qWait(300);
    QCOMPARE(session->computeCount(), runs);
    QCOMPARE(session->result(), shown);
}

void TestTraceWindow::modelAfterTraceRunsAgain() {
    ui::MainWindow window;
    window.inputPanel()->setText(QStringLiteral("4 2"));
    QVERIFY(openTrace(window));
    QVERIFY(window.inputPanel()->text() != QStringLiteral("4 2"));  // the trace's text is shown
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-bert"));
    QSignalSpy ready(window.session(), &ui::SessionModel::resultReady);
    window.session()->setModel(std::move(model));
    QVERIFY(!window.session()->isTrace());
    QCOMPARE(window.inputPanel()->text(), QStringLiteral("4 2"));  // the typed text is back
    QVERIFY(!window.inputPanel()->textEdit()->isReadOnly());
    QVERIFY(window.findChild<QComboBox*>("maskCombo")->isEnabled());
    QVERIFY(window.findChild<QCheckBox*>("stepsCheck")->isEnabled());
    QVERIFY(window.inputPanel()->predictionsPanel()->isEnabled());
    QVERIFY(ready.wait(10000));
    QVERIFY(window.session()->result()->run->traceFile.empty());
}

void TestTraceWindow::corruptTraceFailsInPlace() {
    ui::MainWindow window;
    QVERIFY(openTrace(window));
    const auto shown = window.session()->result();
    const QString bad = m_tmp.filePath("bad.safetensors");
    {
        std::ifstream in(m_tracePath.toStdString(), std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        bytes.resize(bytes.size() - 9);
        std::ofstream(bad.toStdString(), std::ios::binary) << bytes;
    }
    QSignalSpy failed(window.session(), &ui::SessionModel::loadFailed);
    window.openTraceFile(bad);
    QVERIFY(failed.wait(10000));
    const QString message = failed.last().at(1).toString();
    QVERIFY2(message.contains("bad.safetensors") && !message.contains('\n'), qPrintable(message));
    auto* banner = window.findChild<ui::Banner*>();
    QVERIFY(!banner->isHidden());
    QVERIFY2(banner->text().contains("bad.safetensors"), qPrintable(banner->text()));
    // The trace on screen stays.
    QVERIFY(window.session()->isTrace());
    QCOMPARE(window.session()->result(), shown);
}

void TestTraceWindow::droppedTraceIsRecognised() {
    QMimeData traceMime;
    traceMime.setUrls({QUrl::fromLocalFile(m_tracePath)});
    QCOMPARE(ui::traceFileFromMime(&traceMime), QFileInfo(m_tracePath).absoluteFilePath());
    // A model's weights are not a trace (the folder opens as a model).
    QMimeData modelMime;
    modelMime.setUrls({QUrl::fromLocalFile(m_tmp.filePath("tiny-gpt2/model.safetensors"))});
    QVERIFY(QFile::exists(m_tmp.filePath("tiny-gpt2/model.safetensors")));
    QCOMPARE(ui::traceFileFromMime(&modelMime), QString());
}

QTEST_MAIN(TestTraceWindow)
#include "test_trace_window.moc"
