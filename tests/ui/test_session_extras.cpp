// What the session computes beside the attention, and when: the debounce
// follows the measured run time (injected here, so nothing is timed), and
// the head statistics and the induction pass are computed only while the
// Heads panel shows them, the induction pass once per model and mask.
#include "support/test_settings.h"
#include "support/verify_result.h"
#include "ui_fixture.h"

#include "attnviz/core/head_stats.h"
#include "attnviz/ui/session/session_model.h"
#include "attnviz/ui/window/main_window.h"

#include <QDockWidget>
#include <QtTest>

#include <cmath>
#include <limits>

using namespace attnviz;

class TestSessionExtras : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void debounceRule();
    void debounceFollowsTheMeasuredRunTime();
    void statisticsOnlyWhileTheirPanelShows();

private:
    QTemporaryDir m_tmp;
    QTemporaryDir m_settingsDir;
};

void TestSessionExtras::initTestCase() { QVERIFY(test::isolateSettings(m_settingsDir.path())); }

void TestSessionExtras::debounceRule() {
    using S = ui::SessionModel;
    QCOMPARE(S::debounceForRunMs(0), S::kMinDebounceMs);
    QCOMPARE(S::debounceForRunMs(12.5), S::kMinDebounceMs);
    QCOMPARE(S::debounceForRunMs(123.4), 123);
    QCOMPARE(S::debounceForRunMs(499.6), 500);
    QCOMPARE(S::debounceForRunMs(14000), S::kMaxDebounceMs);
    QCOMPARE(S::debounceForRunMs(std::numeric_limits<double>::quiet_NaN()), S::kDefaultDebounceMs);
    QVERIFY(S::kMinDebounceMs < S::kDefaultDebounceMs && S::kDefaultDebounceMs < S::kMaxDebounceMs);
}

// Runs whose time is given: after each, the debounce is that run's rule; a
// new model starts from the default again.
void TestSessionExtras::debounceFollowsTheMeasuredRunTime() {
    ui::SessionModel session;
    double runMs = 0;
    int measured = 0;
    session.setRunTimeForTesting([&](const ui::SessionResult&) {
        ++measured;
        return runMs;
    });
    ATTNVIZ_UNWRAP(fixture, test::loadFixture(m_tmp, "tiny-gpt2"));
    session.setModel(fixture);
    QCOMPARE(session.debounceMs(), ui::SessionModel::kDefaultDebounceMs);
    QSignalSpy ready(&session, &ui::SessionModel::resultReady);
    const struct {
        double runMs;
        int debounce;
        const char* text;
    } runs[] = {{8, ui::SessionModel::kMinDebounceMs, "1 2 3"},
                {240, 240, "1 2 3 4"},
                {3000, ui::SessionModel::kMaxDebounceMs, "1 2 3 4 5"},
                {90, 90, "1 2"}};
    for (const auto& run : runs) {
        runMs = run.runMs;
        session.setText(QString::fromLatin1(run.text));
        session.recompute();
        QVERIFY(ready.wait(10000));
        QCOMPARE(session.debounceMs(), run.debounce);
    }
    QCOMPARE(measured, 4);
    session.setModel(fixture);
    QCOMPARE(session.debounceMs(), ui::SessionModel::kDefaultDebounceMs);
}

void TestSessionExtras::statisticsOnlyWhileTheirPanelShows() {
    ui::MainWindow window;
    ui::SessionModel* session = window.session();
    window.resize(1280, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto* dock = window.findChild<QDockWidget*>(QStringLiteral("headStatsDock"));
    QVERIFY(dock != nullptr);
    QVERIFY(dock->isVisible());
    ATTNVIZ_UNWRAP(fixture, test::loadFixture(m_tmp, "tiny-gpt2"));
    session->setModel(fixture);
    QSignalSpy ready(session, &ui::SessionModel::resultReady);
    QSignalSpy updated(session, &ui::SessionModel::resultUpdated);

    // Panel hidden: the run carries neither statistics nor induction, and
    // no second stage runs.
    dock->close();
    QVERIFY(!session->features().statistics);
    QVERIFY(!session->features().induction);
    session->setText(QStringLiteral("3 14 15 9 26 5 35"));
    session->recompute();
    QVERIFY(ready.wait(10000));
    QTest::qWait(200);
    auto result = session->result();
    QVERIFY(result->headStats.empty());
    QVERIFY(!result->induction);
    QCOMPARE(updated.count(), 0);

    // Shown again: the statistics of the run on screen (no new forward
    // pass) with the induction scores, measured now.
    const int runsBefore = session->computeCount();
    const auto trace = result->trace;
    dock->show();
    QVERIFY(session->features().statistics);
    QVERIFY(updated.wait(20000));
    result = session->result();
    QCOMPARE(session->computeCount(), runsBefore);
    QCOMPARE(result->trace, trace);
    const std::vector<core::HeadStats> expected = core::computeHeadStats(*result->trace);
    QCOMPARE(result->headStats.size(), expected.size());
    QVERIFY(result->induction != nullptr);
    for (std::size_t i = 0; i < expected.size(); ++i) {
        QCOMPARE(result->headStats[i].entropy, expected[i].entropy);
        QCOMPARE(result->headStats[i].prevToken, expected[i].prevToken);
        QCOMPARE(result->headStats[i].induction, result->induction->scores[i]);
    }
    QVERIFY(result->run->timings.inductionMs > 0);
    const auto measurement = result->induction;

    // The next edit: statistics with the run, induction from the cache (the
    // same measurement, no second pass).
    updated.clear();
    session->setText(QStringLiteral("3 14 15 9"));
    session->recompute();
    QVERIFY(ready.wait(10000));
    QTest::qWait(200);
    result = session->result();
    QCOMPARE(result->headStats.size(), expected.size());
    QCOMPARE(result->induction, measurement);
    QCOMPARE(result->run->timings.inductionMs, 0.0);
    QCOMPARE(updated.count(), 0);
}

QTEST_MAIN(TestSessionExtras)
#include "test_session_extras.moc"
