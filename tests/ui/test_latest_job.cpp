// LatestJob, the one worker mechanism of the UI: only the newest job's
// outcome is delivered, a newer submit cancels the running job, cancel()
// delivers nothing, and an exception thrown by a job (std::bad_alloc
// included) arrives as an Error instead of ending the process.
#include "attnviz/ui/session/latest_job.h"

#include <QSignalSpy>
#include <QtTest>

#include <new>
#include <stdexcept>
#include <thread>

using namespace attnviz;
using namespace std::chrono_literals;

class TestLatestJob : public QObject {
    Q_OBJECT

private slots:
    void deliversOnTheOwnerThread();
    void newestWins();
    void cancelDeliversNothing();
    void exceptionsBecomeErrors();
};

namespace {

// Spins until cancelled or `limit` passes; returns whether it was cancelled.
bool waitForCancel(const std::atomic<bool>& cancel, std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (cancel.load()) return true;
        std::this_thread::sleep_for(1ms);
    }
    return false;
}

}  // namespace

void TestLatestJob::deliversOnTheOwnerThread() {
    ui::LatestJob jobs(QStringLiteral("test-worker"));
    QThread* workerThread = nullptr;
    QThread* deliveryThread = nullptr;
    int value = 0;
    QSignalSpy busy(&jobs, &ui::LatestJob::busyChanged);
    jobs.submit<int>(
        [&](const std::atomic<bool>&) -> core::Result<int> {
            workerThread = QThread::currentThread();
            return 42;
        },
        [&](core::Result<int> r) {
            deliveryThread = QThread::currentThread();
            value = r.ok() ? *r : -1;
        });
    QVERIFY(jobs.isBusy());
    QTRY_COMPARE(value, 42);
    QVERIFY(workerThread != nullptr && workerThread != QThread::currentThread());
    QCOMPARE(deliveryThread, QThread::currentThread());
    QVERIFY(!jobs.isBusy());
    QCOMPARE(busy.count(), 2);  // on, then off
}

void TestLatestJob::newestWins() {
    ui::LatestJob jobs(QStringLiteral("test-worker"));
    std::atomic<bool> firstCancelled{false};
    std::atomic<bool> firstStarted{false};
    std::vector<int> delivered;
    jobs.submit<int>(
        [&](const std::atomic<bool>& cancel) -> core::Result<int> {
            firstStarted = true;
            firstCancelled = waitForCancel(cancel, 5000ms);
            return 1;
        },
        [&](core::Result<int> r) { delivered.push_back(*r); });
    QTRY_VERIFY(firstStarted.load());
    // Queued behind the first: replaced by the third before it ever runs.
    jobs.submit<int>([](const std::atomic<bool>&) -> core::Result<int> { return 2; },
                     [&](core::Result<int> r) { delivered.push_back(*r); });
    jobs.submit<int>([](const std::atomic<bool>&) -> core::Result<int> { return 3; },
                     [&](core::Result<int> r) { delivered.push_back(*r); });
    QTRY_COMPARE(delivered.size(), std::size_t(1));
    QTest::qWait(50);
    QCOMPARE(delivered, std::vector<int>{3});
    QVERIFY(firstCancelled.load());
}

void TestLatestJob::cancelDeliversNothing() {
    ui::LatestJob jobs(QStringLiteral("test-worker"));
    std::atomic<bool> started{false};
    std::atomic<bool> sawCancel{false};
    bool delivered = false;
    jobs.submit<int>(
        [&](const std::atomic<bool>& cancel) -> core::Result<int> {
            started = true;
            sawCancel = waitForCancel(cancel, 5000ms);
            return 1;
        },
        [&](core::Result<int>) { delivered = true; });
    QTRY_VERIFY(started.load());
    jobs.cancel();
    QVERIFY(!jobs.isBusy());
    QTRY_VERIFY(sawCancel.load());
    QTest::qWait(50);
    QVERIFY(!delivered);
}

void TestLatestJob::exceptionsBecomeErrors() {
    ui::LatestJob jobs(QStringLiteral("test-worker"));
    std::optional<core::Error> oom;
    jobs.submit<int>([](const std::atomic<bool>&) -> core::Result<int> { throw std::bad_alloc(); },
                     [&](core::Result<int> r) { oom = r.ok() ? core::Error{} : r.takeError(); });
    QTRY_VERIFY(oom.has_value());
    QCOMPARE(oom->code, core::ErrorCode::OutOfMemory);
    QVERIFY2(oom->message.find("out of memory") != std::string::npos, oom->message.c_str());

    std::optional<core::Error> other;
    jobs.submit<int>([](const std::atomic<bool>&) -> core::Result<int> { throw std::runtime_error("boom"); },
                     [&](core::Result<int> r) { other = r.ok() ? core::Error{} : r.takeError(); });
    QTRY_VERIFY(other.has_value());
    QCOMPARE(other->code, core::ErrorCode::Internal);
    QVERIFY2(other->message.find("boom") != std::string::npos, other->message.c_str());

    std::optional<core::Error> unknown;
    jobs.submit<int>([](const std::atomic<bool>&) -> core::Result<int> { throw 7; },
                     [&](core::Result<int> r) { unknown = r.ok() ? core::Error{} : r.takeError(); });
    QTRY_VERIFY(unknown.has_value());
    QCOMPARE(unknown->code, core::ErrorCode::Internal);
    // The worker survives: the next job runs as usual.
    int value = 0;
    jobs.submit<int>([](const std::atomic<bool>&) -> core::Result<int> { return 5; },
                     [&](core::Result<int> r) { value = *r; });
    QTRY_COMPARE(value, 5);
}

QTEST_MAIN(TestLatestJob)
#include "test_latest_job.moc"
