#include "attnviz/ui/session/latest_job.h"

#include <QThread>

#include <mutex>
#include <new>
#include <stdexcept>

#ifdef __linux__
#include <sys/resource.h>
#include <unistd.h>
#endif

namespace attnviz::ui {
namespace {

#ifdef __linux__
constexpr int kWorkerNice = 5;
#endif

}  // namespace

// The newest job waiting for the worker: an older one is simply overwritten.
struct LatestJob::Pending {
    struct Job {
        quint64 generation = 0;
        Erased work;
        std::shared_ptr<std::atomic<bool>> cancel;
    };
    std::mutex mutex;
    std::optional<Job> job;
};

core::Error errorFromException(std::exception_ptr exception) {
    try {
        std::rethrow_exception(exception);
    } catch (const std::bad_alloc&) {
        return core::makeError(core::ErrorCode::OutOfMemory,
                               "out of memory: the computation needed more memory than this machine could give");
    } catch (const std::exception& e) {
        return core::makeError(core::ErrorCode::Internal, std::string("internal error: ") + e.what());
    } catch (...) {
        return core::makeError(core::ErrorCode::Internal, "internal error: an unknown exception");
    }
}

LatestJob::LatestJob(const QString& threadName, QObject* parent)
    : QObject(parent), m_pending(std::make_shared<Pending>()) {
    m_thread = new QThread(this);
    m_thread->setObjectName(threadName);
    m_context = new QObject;
    m_context->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_context, &QObject::deleteLater);
    m_thread->start();
#ifdef __linux__
    // Below the GUI thread: on a machine with few cores the event loop gets
    // a core as soon as it has something to do, the computation takes the
    // rest. (Linux nice is per thread; threads the job starts inherit it.)
    QMetaObject::invokeMethod(m_context, [] { setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kWorkerNice); },
                              Qt::QueuedConnection);
#endif
}

LatestJob::~LatestJob() {
    if (m_cancel) m_cancel->store(true);
    {
        std::lock_guard lock(m_pending->mutex);
        m_pending->job.reset();
    }
    m_thread->quit();
    m_thread->wait();
}

void LatestJob::submitErased(Erased work) {
    if (m_cancel) m_cancel->store(true);
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    m_cancel = cancel;
    const quint64 generation = ++m_generation;
    {
        std::lock_guard lock(m_pending->mutex);
        m_pending->job = Pending::Job{generation, std::move(work), cancel};
    }
    setBusy(true);
    QMetaObject::invokeMethod(
        m_context,
        [this, pending = m_pending] {
            std::optional<Pending::Job> job;
            {
                std::lock_guard lock(pending->mutex);
                job.swap(pending->job);
            }
            if (!job) return;  // a newer submit already took it
            // submit() wraps the work in a catch-all; this one guards the wrapper.
            std::function<void()> done;
            try {
                done = job->work(*job->cancel);
            } catch (...) {
                done = [] {};  // nothing to deliver, but the job is over
            }
            if (job->cancel->load()) return;
            QMetaObject::invokeMethod(
                this, [this, generation = job->generation, done] { deliver(generation, done); }, Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

void LatestJob::deliver(quint64 generation, const std::function<void()>& done) {
    if (generation != m_generation) return;  // superseded
    setBusy(false);
    done();
}

void LatestJob::cancel() {
    if (m_cancel) m_cancel->store(true);
    {
        std::lock_guard lock(m_pending->mutex);
        m_pending->job.reset();
    }
    ++m_generation;
    setBusy(false);
}

void LatestJob::setBusy(bool busy) {
    if (busy == m_busy) return;
    m_busy = busy;
    emit busyChanged(busy);
}

}  // namespace attnviz::ui
