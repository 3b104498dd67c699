// The event loop never blocks (issue 15, deliverable 7): the whole window,
// shown offscreen with a BERT-base-sized model (12 layers x 12 heads, width
// 768, seeded random F32 weights written the way `attnviz-cli make-model
// --preset bert-base` writes them, the bert-base-uncased WordPiece vocabulary
// from ../shared), takes a sentence typed one key at a time while a 5 ms
// timer measures the gap between its ticks. Tokenizing, the runs, the
// statistics and the induction pass go on on workers (below the GUI
// thread's priority) while the user types; the GUI thread only hands work
// out and draws what is on screen, so no gap may reach 50 ms. Each large
// gap is reported with the time the GUI thread ran and waited for a core
// in it (Linux schedstat); the assertion takes the time waited for a core
// out of the gap, so it fails on work or blocking on the GUI thread and not
// on another process holding both cores. This is the one
// timed test of the project (the issue asks for it); ctest runs it alone
// (RUN_SERIAL), as a test that measures latency cannot share two cores with
// other suites.
#include "support/test_paths.h"
#include "support/test_settings.h"
#include "support/verify_result.h"

#include "attnviz/core/random_model.h"
#include "attnviz/ui/session/session_model.h"
#include "attnviz/ui/views/head_grid_view.h"
#include "attnviz/ui/views/head_view.h"
#include "attnviz/ui/window/main_window.h"
#include "panels/head_stats_panel.h"
#include "panels/input_panel.h"
#include "panels/token_strip.h"

#include <QElapsedTimer>
#include <QFile>
#include <QEventLoop>
#include <QPlainTextEdit>
#include <QTabWidget>
#include <QTimer>
#include <QtTest>

#include <algorithm>
#include <ctime>
#include <cstdint>
#include <filesystem>
#include <vector>

using namespace attnviz;

namespace {

constexpr int kTickMs = 5;
constexpr qint64 kMaxGapMs = 50;

// CPU time of the calling thread.
qint64 threadCpuMs() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<qint64>(t.tv_sec) * 1000 + t.tv_nsec / 1000000;
}

// Time the calling thread waited for a core while it could run (Linux
// schedstat; 0 where there is none).
qint64 threadQueuedMs() {
    QFile f(QStringLiteral("/proc/thread-self/schedstat"));
    if (!f.open(QIODevice::ReadOnly)) return 0;
    const QList<QByteArray> fields = f.readAll().split(' ');
    return fields.size() >= 2 ? fields[1].toLongLong() / 1000000 : 0;
}

// A 5 ms timer on the GUI thread that keeps the largest gaps between its
// ticks, each with what the test was doing when it happened.
class GapMeter : public QObject {
public:
    struct Gap {
        qint64 ms = 0;
        qint64 at = 0;  // ms since start()
        qint64 cpu = 0;     // ms the GUI thread ran meanwhile
        qint64 queued = 0;  // ms it waited for a core meanwhile
        QString phase;
    };

    GapMeter() {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(kTickMs);
        QObject::connect(&m_timer, &QTimer::timeout, this, [this] { tick(); });
    }

    void start() {
        m_gaps.clear();
        m_ticks = 0;
        m_clock.start();
        m_last = 0;
        m_lastCpu = threadCpuMs();
        m_lastQueued = threadQueuedMs();
        m_timer.start();
    }
    void stop() { m_timer.stop(); }
    void setPhase(const QString& phase) { m_phase = phase; }

    // The largest gap less the time the GUI thread waited for a core in it:
    // how long the event loop itself was held up (running or blocked). On a
    // shared 2-core machine another process can hold both cores for tens of
    // milliseconds; that is the scheduler's gap, not ours, and schedstat
    // tells the two apart. Without schedstat the whole gap counts.
    qint64 largest() const { return m_gaps.empty() ? 0 : m_gaps.front().ms - m_gaps.front().queued; }
    int ticks() const { return m_ticks; }
    QString report() const {
        QStringList lines;
        for (const Gap& g : m_gaps) lines << QStringLiteral("%1 ms (GUI thread ran %2 ms, waited for a core %3 ms) at %4 ms, %5")
                         .arg(g.ms).arg(g.cpu).arg(g.queued).arg(g.at).arg(g.phase);
        return lines.join(QStringLiteral("; "));
    }

private:
    void tick() {
        const qint64 now = m_clock.elapsed();
        const qint64 gap = now - m_last;
        const qint64 cpu = threadCpuMs();
        const qint64 ran = cpu - m_lastCpu;
        const qint64 queuedNow = threadQueuedMs();
        const qint64 queued = queuedNow - m_lastQueued;
        m_last = now;
        m_lastCpu = cpu;
        m_lastQueued = queuedNow;
        ++m_ticks;
        if (gap <= 2 * kTickMs) return;
        m_gaps.push_back({gap, now, ran, queued, m_phase});
        std::sort(m_gaps.begin(), m_gaps.end(),
                  [](const Gap& a, const Gap& b) { return a.ms - a.queued > b.ms - b.queued; });
        if (m_gaps.size() > 5) m_gaps.pop_back();
    }

    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    qint64 m_lastCpu = 0;
    qint64 m_lastQueued = 0;
    int m_ticks = 0;
    QString m_phase;
    std::vector<Gap> m_gaps;  // the largest, largest first
};

// Runs the event loop for `ms` as the application's does (QTest::qWait
// sleeps 10 ms between its rounds, which the meter would count as gaps).
void spin(int ms) {
    QEventLoop loop;
    QTimer::singleShot(ms, Qt::PreciseTimer, &loop, &QEventLoop::quit);
    loop.exec();
}

// Spins until `done` or `timeoutMs`; returns done().
template <class F>
bool spinUntil(F done, int timeoutMs) {
    QElapsedTimer clock;
    clock.start();
    while (!done() && clock.elapsed() < timeoutMs) spin(10);
    return done();
}

// What a user types: ~60 characters, 14 words, a few dozen WordPiece tokens.
const char* kTyped = "The quick brown fox jumps over the lazy dog near the riverbank.";

}  // namespace

class TestEventLoopGap : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void typingNeverBlocksTheEventLoop();

private:
    QTemporaryDir m_settingsDir;
    QTemporaryDir m_tmp;
    std::filesystem::path m_modelDir;
};

void TestEventLoopGap::initTestCase() {
    QVERIFY(test::isolateSettings(m_settingsDir.path()));
    ATTNVIZ_REQUIRE_DIR(models, test::modelsDir, "../shared/models (the bert-base-uncased vocabulary)");
    const std::filesystem::path vocab = models / "tokenizers" / "bert-base-uncased";
    if (!std::filesystem::is_regular_file(vocab / "vocab.txt")) {
        QSKIP("../shared/models/tokenizers/bert-base-uncased/vocab.txt not found");
    }
    // BERT-base's real shape, seeded random F32 weights (~440 MB), as
    // attnviz-cli make-model --preset bert-base writes them.
    QVERIFY(m_tmp.isValid());
    m_modelDir = std::filesystem::path(m_tmp.path().toStdString()) / "bert-base";
    ATTNVIZ_UNWRAP(config, core::randomModelConfig("bert-base"));
    ATTNVIZ_VERIFY_OK(core::writeRandomModel(config, m_modelDir, core::RandomModelOptions{}));
    for (const char* file : {"vocab.txt", "tokenizer_config.json"}) {
        std::error_code ec;
        std::filesystem::copy_file(vocab / file, m_modelDir / file, ec);
        QVERIFY2(!ec, qPrintable(QStringLiteral("copying %1: %2").arg(file, QString::fromStdString(ec.message()))));
    }
}

void TestEventLoopGap::typingNeverBlocksTheEventLoop() {
    ui::MainWindow window;
    ui::SessionModel* session = window.session();
    window.resize(1280, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    // The overview (144 thumbnails) in front: the heaviest view to draw.
    window.tabs()->setCurrentWidget(window.overview());
    QTest::qWait(200);  // the first layout and paint of the empty window

    GapMeter meter;
    meter.start();

    // Opening the model as at start-up (a sentence already in the box):
    // loading the 440 MB of weights on a worker, then the first run drawn.
    // Measured and printed, not asserted: the first draw lays out the
    // overview's 156 plots once per window (~50-70 ms of GUI time, see the
    // issue-15 report); what the issue asks about is typing.
    meter.setPhase(QStringLiteral("loading"));
    QPlainTextEdit* edit = window.inputPanel()->textEdit();
    edit->setPlainText(QStringLiteral("Hello."));
    QSignalSpy ready(session, &ui::SessionModel::resultReady);
    QSignalSpy changed(session, &ui::SessionModel::modelChanged);
    QSignalSpy failed(session, &ui::SessionModel::loadFailed);
    session->openModel(QString::fromStdString(m_modelDir.string()));
    QVERIFY(spinUntil([&] { return changed.count() == 1 || failed.count() == 1; }, 120000));
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().at(1).toString()));
    QCOMPARE(session->model().model->config().nLayers, 12);
    QCOMPARE(session->model().model->config().nHeads, 12);
    QCOMPARE(session->model().model->config().dModel, 768);
    meter.setPhase(QStringLiteral("the first run"));
    QVERIFY(spinUntil([&] { return !ready.isEmpty() && !session->isComputing(); }, 60000));
    spin(1000);  // its draws and the induction pass
    const QString opening = meter.report();
    meter.start();

    // A fresh text box, then the sentence one key at a time: a word at
    // typing speed, a pause between words longer than the longest debounce,
    // so that runs start, finish and are drawn while the next word is typed.
    meter.setPhase(QStringLiteral("clearing the text"));
    edit->setFocus();
    edit->clear();
    const QString typed = QString::fromUtf8(kTyped);
    int keys = 0;
    for (const QChar c : typed) {
        meter.setPhase(QStringLiteral("typing '%1' (key %2)").arg(c).arg(keys + 1));
        QTest::keyClicks(edit, QString(c));
        ++keys;
        meter.setPhase(QStringLiteral("waiting after key %1").arg(keys));
        spin(c == QLatin1Char(' ') ? 600 : 40);
    }
    QCOMPARE(session->input().text, typed);

    // The last run (and its induction pass, once per model) finishes and
    // the window shows it.
    meter.setPhase(QStringLiteral("the last run"));
    const auto expected = session->model().session->tokenize({typed.toStdString(), {}, false});
    QVERIFY2(expected.ok(), ATTNVIZ_RESULT_MESSAGE(expected));
    std::vector<std::int32_t> expectedIds;
    for (const core::Token& t : *expected) expectedIds.push_back(t.id);
    const auto showsTyped = [&] {
        const auto r = session->result();
        return r && !session->isComputing() && r->run->ids() == expectedIds;
    };
    QVERIFY(spinUntil(showsTyped, 60000));
    meter.setPhase(QStringLiteral("after the last run"));
    spin(500);  // the induction pass and the last draws
    meter.stop();

    const auto result = session->result();
    QVERIFY2(expected->size() >= 15 && expected->size() <= 40, qPrintable(QString::number(expected->size())));
    QCOMPARE(result->tokenCount(), static_cast<int>(expected->size()));
    QCOMPARE(window.overview()->result(), result);
    QCOMPARE(window.headView()->result()->run, result->run);
    const std::vector<ui::TokenLabel>& chips = window.inputPanel()->tokenStrip()->tokens();
    QCOMPARE(static_cast<int>(chips.size()), result->tokenCount());
    for (std::size_t i = 0; i < chips.size(); ++i) QCOMPARE(chips[i].id, (*expected)[i].id);
    QVERIFY(session->computeCount() >= 3);  // runs finished while typing, not only at the end
    QVERIFY2(meter.ticks() > 100, qPrintable(QString::number(meter.ticks())));
    qInfo("opening the model, largest gaps: %s", qPrintable(opening));
    qInfo("typing: %d keys, %d runs, %d ticks; largest gaps: %s", keys, session->computeCount(), meter.ticks(),
          qPrintable(meter.report()));
    QVERIFY2(meter.largest() < kMaxGapMs, qPrintable(meter.report()));
}

QTEST_MAIN(TestEventLoopGap)
#include "test_event_loop_gap.moc"
