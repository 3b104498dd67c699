// The session behind the window: the mask toggle re-runs the model (the
// cells change exactly as the core says), typing is debounced into one run,
// a newer edit supersedes an older one, and errors keep the last good result.
#include "support/test_settings.h"
#include "ui_fixture.h"
#include "support/verify_result.h"

#include "attnviz/ui/session/session_model.h"
#include "attnviz/ui/views/head_view.h"
#include "attnviz/ui/window/main_window.h"
#include "panels/input_panel.h"
#include "panels/view_controls.h"

#include <QPlainTextEdit>
#include "window/banner.h"

#include <QLabel>
#include <QLineEdit>
#include <QtTest>
#include <qcustomplot.h>

using namespace attnviz;

class TestSessionModel : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void maskToggleReruns();
    void typingIsDebounced();
    void newerEditSupersedes();
    void errorsKeepLastResult();
    void badModelFolderKeepsModel();
    void workerExceptionIsShownInPlace();
    void emptyTextAsksForInput();
    void maskControlFollowsTheSession();
    void globalTokensField();
    void failingStartModelFallsBackToDefault();
    void statusShowsTheTimeSplit();

private:
    QTemporaryDir m_tmp;
    QTemporaryDir m_settingsDir;
};

void TestSessionModel::initTestCase() {
    // QSettings away from the user's own and from tests running alongside.
    QVERIFY(test::isolateSettings(m_settingsDir.path()));
}

void TestSessionModel::maskToggleReruns() {
    ui::SessionModel session;
    ATTNVIZ_UNWRAP(fixture, test::loadFixture(m_tmp, "tiny-gpt2"));
    session.setModel(std::move(fixture));
    QSignalSpy ready(&session, &ui::SessionModel::resultReady);
    session.setText(QStringLiteral("3 14 15 9 26 5 35"));
    session.recompute();
    QVERIFY(ready.wait(5000));
    ui::HeadView view;
    view.setResult(session.result());
    view.setHead({1, 1});
    QVERIFY(session.result()->maskIsDefault());
    const int T = 7;
    for (int q = 0; q < T; ++q) {
        for (int k = q + 1; k < T; ++k) QCOMPARE(test::cellAt(view.colorMap(), q, k), 0.0);  // causal
    }

    session.setMask(core::MaskMode::bidirectional());
    QVERIFY(session.isComputing());
    QVERIFY(ready.wait(5000));
    QCOMPARE(ready.count(), 2);
    const auto result = session.result();
    QVERIFY(!result->maskIsDefault());
    QCOMPARE(result->trace->mask(), core::MaskMode::bidirectional());
    view.setResult(result);

    // The same run straight from the core: every layer sees the new mask.
    core::RunOptions options;
    options.mask = core::MaskMode::bidirectional();
    const std::vector<std::int32_t> ids{3, 14, 15, 9, 26, 5, 35};
    auto expected = session.model().model->run(ids, options);
    QVERIFY(expected);
    bool upperNonZero = false;
    bool changed = false;
    for (int q = 0; q < T; ++q) {
        for (int k = 0; k < T; ++k) {
            const double cell = test::cellAt(view.colorMap(), q, k);
            QCOMPARE(cell, static_cast<double>(expected->prob(1, 1, q, k)));
            upperNonZero |= k > q && cell > 0;
            changed |= std::abs(cell - result->defaultTrace->prob(1, 1, q, k)) > 1e-4;
        }
    }
    QVERIFY(upperNonZero);
    QVERIFY(changed);
    // The default-mask trace is kept for the difference view.
    QCOMPARE(result->defaultTrace->mask(), core::MaskMode::causal());
}

void TestSessionModel::typingIsDebounced() {
    ui::MainWindow window;
    ui::SessionModel* session = window.session();
    ATTNVIZ_UNWRAP(fixture, test::loadFixture(m_tmp, "tiny-llama"));
    session->setModel(std::move(fixture));
    QSignalSpy started(session, &ui::SessionModel::computeStarted);
    QSignalSpy ready(session, &ui::SessionModel::resultReady);
    const int before = session->computeCount();
    QPlainTextEdit* edit = window.inputPanel()->textEdit();
    QTest::keyClicks(edit, QStringLiteral("7 8 9 10"));  // eight keystrokes, well inside 150 ms
    QCOMPARE(session->input().text, QStringLiteral("7 8 9 10"));
    QCOMPARE(started.count(), 0);
    QVERIFY(ready.wait(5000));
    QTest::qWait(2 * ui::SessionModel::kDefaultDebounceMs);
    QCOMPARE(started.count(), 1);
    QCOMPARE(ready.count(), 1);
    QCOMPARE(session->computeCount() - before, 1);
    QCOMPARE(session->result()->trace->tokenIds, (std::vector<std::int32_t>{7, 8, 9, 10}));
    QCOMPARE(window.headView()->result(), session->result());
}

void TestSessionModel::newerEditSupersedes() {
    ui::SessionModel session;
    ATTNVIZ_UNWRAP(fixture, test::loadFixture(m_tmp, "tiny-bert"));
    session.setModel(std::move(fixture));
    QSignalSpy ready(&session, &ui::SessionModel::resultReady);
    session.setText(QStringLiteral("1 2 3"));
    session.recompute();
    session.setText(QStringLiteral("4 5 6 7"));
    session.recompute();
    QVERIFY(ready.wait(5000));
    QTest::qWait(300);
    QCOMPARE(ready.count(), 1);  // the first run's result never reaches the screen
    QCOMPARE(session.result()->trace->tokenIds, (std::vector<std::int32_t>{4, 5, 6, 7}));
}

void TestSessionModel::errorsKeepLastResult() {
    ui::SessionModel session;
    ATTNVIZ_UNWRAP(fixture, test::loadFixture(m_tmp, "tiny-gpt2"));
    session.setModel(std::move(fixture));
    QSignalSpy ready(&session, &ui::SessionModel::resultReady);
    QSignalSpy failed(&session, &ui::SessionModel::computeFailed);
    session.setText(QStringLiteral("1 2 3"));
    session.recompute();
    QVERIFY(ready.wait(5000));
    const auto good = session.result();

    session.setText(QStringLiteral("1 2 999"));  // outside the 50-token vocabulary
    session.recompute();
    QVERIFY(failed.wait(5000));
    QVERIFY2(failed.last().at(0).toString().contains(QStringLiteral("999")), qPrintable(failed.last().at(0).toString()));
    QCOMPARE(session.result(), good);

    session.setText(QStringLiteral("one two"));  // not ids, and this model has no tokenizer
    session.recompute();
    QVERIFY(failed.wait(5000));
    QVERIFY(failed.last().at(0).toString().contains(QStringLiteral("token ids")));
    QCOMPARE(session.result(), good);

    QString huge;
    for (int i = 0; i < 2000; ++i) huge += QStringLiteral("1 ");
    session.setText(huge);
    session.recompute();
    QVERIFY(failed.wait(5000));
    QVERIFY(failed.last().at(0).toString().contains(QStringLiteral("tokens")));
    QCOMPARE(session.result(), good);
}

void TestSessionModel::badModelFolderKeepsModel() {
    ui::SessionModel session;
    ATTNVIZ_UNWRAP(fixture, test::loadFixture(m_tmp, "tiny-gpt2"));
    session.setModel(std::move(fixture));
    const auto before = session.model().model;
    QSignalSpy failed(&session, &ui::SessionModel::loadFailed);
    QTemporaryDir empty;
    session.openModel(empty.path());
    QVERIFY(failed.wait(5000));
    QVERIFY(failed.last().at(1).toString().contains(QStringLiteral("config.json")));
    QCOMPARE(session.model().model, before);
    QVERIFY(!session.isLoading());
}

void TestSessionModel::workerExceptionIsShownInPlace() {
    ui::SessionModel session;
    ATTNVIZ_UNWRAP(fixture, test::loadFixture(m_tmp, "tiny-gpt2"));
    session.setModel(std::move(fixture));
    QSignalSpy ready(&session, &ui::SessionModel::resultReady);
    QSignalSpy failed(&session, &ui::SessionModel::computeFailed);
    session.setText(QStringLiteral("1 2 3"));
    session.recompute();
    QVERIFY(ready.wait(5000));
    const auto good = session.result();

    // A failed allocation on the worker: an error in place, not the end of the app.
    session.setWorkerHookForTesting([] { throw std::bad_alloc(); });
    session.setText(QStringLiteral("1 2 3 4"));
    session.recompute();
    QVERIFY(failed.wait(5000));
    QVERIFY2(failed.last().at(0).toString().contains(QStringLiteral("out of memory")),
             qPrintable(failed.last().at(0).toString()));
    QCOMPARE(session.result(), good);
    QVERIFY(!session.isComputing());

    session.setWorkerHookForTesting({});
    session.recompute();
    QVERIFY(ready.wait(5000));
    QCOMPARE(session.result()->tokenCount(), 4);
}

void TestSessionModel::emptyTextAsksForInput() {
    ui::SessionModel session;
    ATTNVIZ_UNWRAP(fixture, test::loadFixture(m_tmp, "tiny-gpt2"));
    session.setModel(std::move(fixture));
    QSignalSpy needed(&session, &ui::SessionModel::inputNeeded);
    QSignalSpy failed(&session, &ui::SessionModel::computeFailed);
    session.setText(QStringLiteral("   "));
    session.recompute();
    QCOMPARE(needed.count(), 1);
    QVERIFY(needed.last().at(0).toString().contains(QStringLiteral("token ids")));  // no tokenizer
    QCOMPARE(failed.count(), 0);
    QVERIFY(session.lastError().isEmpty());
    QVERIFY(!session.isComputing());
}

// A mask set on the session (not through the combo) shows in the combo, and
// the combo's own change reaches the session.
void TestSessionModel::maskControlFollowsTheSession() {
    ui::MainWindow window;
    ui::SessionModel* session = window.session();
    ATTNVIZ_UNWRAP(fixture, test::loadFixture(m_tmp, "tiny-gpt2"));
    session->setModel(std::move(fixture));
    session->setMask(core::MaskMode::slidingWindow(3));
    QCOMPARE(window.controls()->mask(), core::MaskMode::slidingWindow(3));
    session->setMask(core::MaskMode::bidirectional());
    QCOMPARE(window.controls()->mask(), core::MaskMode::bidirectional());
    window.controls()->setMask(core::MaskMode::causal());  // programmatic: no echo
    QCOMPARE(session->mask(), core::MaskMode::bidirectional());
}

// Longformer: the Global field shows only for models with global attention;
// typing positions there re-runs the model with them as global tokens, and
// opening another model returns to its default (the first token).
void TestSessionModel::globalTokensField() {
    ui::MainWindow window;
    ui::SessionModel* session = window.session();
    QSignalSpy ready(session, &ui::SessionModel::resultReady);
    auto* field = window.findChild<QLineEdit*>(QStringLiteral("globalTokensEdit"));
    QVERIFY(field != nullptr);
    ATTNVIZ_UNWRAP(gpt2, test::loadFixture(m_tmp, "tiny-gpt2"));
    session->setModel(std::move(gpt2));
    QVERIFY(field->isHidden());
    QCOMPARE(window.controls()->globalTokens(), std::nullopt);

    ATTNVIZ_UNWRAP(longformer, test::loadFixture(m_tmp, "tiny-longformer"));
    session->setModel(std::move(longformer));
    QVERIFY(!field->isHidden());
    session->setText(QStringLiteral("3 14 15 9 26 5 35 8 9 7 9 3"));
    session->recompute();
    QVERIFY(ready.wait(5000));
    QCOMPARE(session->result()->trace->globalTokens(), (std::vector<int>{0}));
    QVERIFY(session->result()->layerDescription(0).contains(QStringLiteral("+ global tokens 0")));

    field->setText(QStringLiteral("0, 7"));
    emit field->editingFinished();
    QVERIFY(session->isComputing());
    QVERIFY(ready.wait(5000));
    const auto& trace = *session->result()->trace;
    QCOMPARE(trace.globalTokens(), (std::vector<int>{0, 7}));
    for (int k = 0; k < trace.seqLen(); ++k) QVERIFY(trace.prob(0, 0, 7, k) > 0.0f);  // token 7 sees every key

    ATTNVIZ_UNWRAP(again, test::loadFixture(m_tmp, "tiny-longformer"));
    session->setModel(std::move(again));
    QCOMPARE(field->text(), QStringLiteral("0"));
    QCOMPARE(session->features().globalTokens, std::nullopt);
}

// A failing --model does not leave an empty window: the default model opens
// and the banner still says why the requested one could not.
void TestSessionModel::failingStartModelFallsBackToDefault() {
    ui::MainWindow window;
    QSignalSpy changed(window.session(), &ui::SessionModel::modelChanged);
    QSignalSpy failed(window.session(), &ui::SessionModel::loadFailed);
    ui::StartOptions options;
    options.modelDir = m_tmp.filePath(QStringLiteral("no-such-model"));
    window.start(options);
    QVERIFY(failed.wait(5000) || failed.count() == 1);
    QVERIFY(failed.first().at(1).toString().contains(QStringLiteral("does not exist")));
    QVERIFY(changed.count() == 1 || changed.wait(10000));
    QVERIFY(window.session()->model().isValid());
    QVERIFY2(window.session()->model().dir.contains(QStringLiteral("gutenberg")), qPrintable(window.session()->model().dir));
    auto* banner = window.findChild<ui::Banner*>();
    QVERIFY(banner != nullptr);
    QVERIFY(!banner->isHidden());
    QVERIFY2(banner->text().contains(QStringLiteral("does not exist")), qPrintable(banner->text()));
    QVERIFY(banner->text().contains(QStringLiteral("the default model opened instead")));
}

// The status bar's run time has the split per stage in its tooltip, and the
// total shown is tokenizer plus run.
void TestSessionModel::statusShowsTheTimeSplit() {
    ui::MainWindow window;
    ui::SessionModel* session = window.session();
    ATTNVIZ_UNWRAP(fixture, test::loadFixture(m_tmp, "tiny-gpt2"));
    session->setModel(std::move(fixture));
    QSignalSpy ready(session, &ui::SessionModel::resultReady);
    session->setText(QStringLiteral("1 2 3"));
    session->recompute();
    QVERIFY(ready.wait(5000));
    auto* time = window.findChild<QLabel*>(QStringLiteral("runTimeLabel"));
    QVERIFY(time != nullptr);
    const QString tip = time->toolTip();
    QVERIFY2(tip.contains(QStringLiteral("tokenize ")) && tip.contains(QStringLiteral("forward pass ")), qPrintable(tip));
    const auto& r = *session->result();
    QVERIFY(r.tokenizeMs > 0);
    QCOMPARE(time->text(), QStringLiteral("%1 ms").arg(r.tokenizeMs + r.computeMs, 0, 'f', 1));
}

QTEST_MAIN(TestSessionModel)
#include "test_session_model.moc"
