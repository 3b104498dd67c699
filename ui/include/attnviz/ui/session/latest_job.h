// "Latest job wins": runs work on one worker thread of its own; a newer
// submit cancels the running job (its cancel flag) and replaces any job still
// waiting, and only the newest job's outcome is delivered, on the thread
// that owns this object. Every exception a job throws (std::bad_alloc
// included) is caught on the worker and delivered as an Error, so a failed
// job never ends the application. Serves model loading, runs, the induction
// pass and the head-similarity search.
//
//   m_runs.submit<int>([](const std::atomic<bool>& cancel) -> core::Result<int> { return 42; },
//                      [this](core::Result<int> r) { show(r); });
#pragma once

#include "attnviz/core/result.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <optional>

class QThread;

namespace attnviz::ui {

// The error a job's escaped exception becomes: OutOfMemory for
// std::bad_alloc, Internal with what() otherwise.
core::Error errorFromException(std::exception_ptr exception);

class LatestJob : public QObject {
    Q_OBJECT

public:
    explicit LatestJob(const QString& threadName, QObject* parent = nullptr);
    ~LatestJob() override;  // cancels the running job and waits for it

    template <class T>
    using Work = std::function<core::Result<T>(const std::atomic<bool>& cancel)>;
    template <class T>
    using Done = std::function<void(core::Result<T>)>;

    // Runs `work` on the worker; `done` gets its outcome on this object's
    // thread unless a newer job was submitted (or cancel() called) meanwhile.
    // A job whose cancel flag was set delivers nothing.
    template <class T>
    void submit(Work<T> work, Done<T> done) {
        submitErased([work = std::move(work), done = std::move(done)](const std::atomic<bool>& cancel) {
            auto outcome = std::make_shared<std::optional<core::Result<T>>>();
            try {
                outcome->emplace(work(cancel));
            } catch (...) {
                outcome->emplace(errorFromException(std::current_exception()));
            }
            return std::function<void()>([done, outcome] { done(std::move(**outcome)); });
        });
    }

    // Cancels the running job and drops a waiting one; nothing is delivered.
    void cancel();
    bool isBusy() const { return m_busy; }

signals:
    void busyChanged(bool busy);

private:
    struct Pending;
    using Erased = std::function<std::function<void()>(const std::atomic<bool>& cancel)>;
    void submitErased(Erased work);
    void deliver(quint64 generation, const std::function<void()>& done);
    void setBusy(bool busy);

    QThread* m_thread = nullptr;
    QObject* m_context = nullptr;  // lives on m_thread
    std::shared_ptr<Pending> m_pending;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    quint64 m_generation = 0;
    bool m_busy = false;
};

}  // namespace attnviz::ui
