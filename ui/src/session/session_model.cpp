#include "attnviz/ui/session/session_model.h"

#include <QThread>
#include <QTimer>

#include <mutex>
#include <optional>

namespace attnviz::ui {

// The newest computation waiting for the worker. Older requests are simply
// overwritten: the worker always takes the latest.
struct PendingJobs {
    struct Job {
        quint64 generation = 0;
        LoadedModel model;
        SessionInput input;
        core::MaskMode mask;
        RunFeatures features;
        std::shared_ptr<std::atomic<bool>> cancel;
        std::shared_ptr<const SessionResult> previous;
    };
    std::mutex mutex;
    std::optional<Job> job;
};

SessionModel::SessionModel(QObject* parent)
    : QObject(parent), m_debounce(new QTimer(this)), m_pending(std::make_shared<PendingJobs>()) {
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(kDefaultDebounceMs);
    connect(m_debounce, &QTimer::timeout, this, &SessionModel::startCompute);

    m_computeThread = new QThread(this);
    m_computeThread->setObjectName(QStringLiteral("attnviz-compute"));
    m_computeContext = new QObject;
    m_computeContext->moveToThread(m_computeThread);
    connect(m_computeThread, &QThread::finished, m_computeContext, &QObject::deleteLater);
    m_computeThread->start();
}

SessionModel::~SessionModel() {
    if (m_cancelLoad) m_cancelLoad->store(true);
    if (m_loadThread != nullptr) {
        m_loadThread->wait();
        delete m_loadThread;
        m_loadThread = nullptr;
    }
    stopWorker();
}

void SessionModel::stopWorker() {
    if (m_cancelRun) m_cancelRun->store(true);
    {
        std::lock_guard lock(m_pending->mutex);
        m_pending->job.reset();
    }
    m_computeThread->quit();
    m_computeThread->wait();
}

void SessionModel::openModel(const QString& dir) {
    if (m_loadThread != nullptr) {
        m_cancelLoad->store(true);
        m_loadThread->wait();
        delete m_loadThread;
        m_loadThread = nullptr;
    }
    const quint64 generation = ++m_loadGeneration;
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    m_cancelLoad = cancel;
    m_loadingDir = dir;
    m_loadThread = QThread::create([this, dir, cancel, generation] {
        int lastPercent = -1;
        const core::ProgressFn progress = [&](std::size_t done, std::size_t total) {
            const int percent = total == 0 ? 100 : static_cast<int>(done * 100 / total);
            if (percent != lastPercent) {
                lastPercent = percent;
                QMetaObject::invokeMethod(
                    this, [this, percent, generation] {
                        if (generation == m_loadGeneration) emit loadProgress(percent, 100);
                    },
                    Qt::QueuedConnection);
            }
            return !cancel->load();
        };
        auto loaded = loadModelFolder(dir, progress);
        std::shared_ptr<LoadedModel> model;
        QString error;
        if (loaded) {
            model = std::make_shared<LoadedModel>(std::move(loaded.value()));
        } else {
            error = QString::fromStdString(loaded.error());
        }
        QMetaObject::invokeMethod(
            this, [this, generation, model, error, cancelled = cancel->load()] {
                finishLoad(generation, cancelled ? nullptr : model, cancelled ? QString() : error);
            },
            Qt::QueuedConnection);
    });
    m_loadThread->setObjectName(QStringLiteral("attnviz-load"));
    m_loadThread->start();
    emit loadStarted(dir);
    emit busyChanged(true);
}

void SessionModel::cancelLoad() {
    if (m_cancelLoad) m_cancelLoad->store(true);
}

void SessionModel::finishLoad(quint64 generation, std::shared_ptr<LoadedModel> model, const QString& error) {
    if (generation != m_loadGeneration) return;
    if (m_loadThread != nullptr) {
        m_loadThread->wait();
        delete m_loadThread;
        m_loadThread = nullptr;
    }
    emit busyChanged(m_computing);
    if (!model) {
        if (error.isEmpty()) {
            emit loadCancelled();
        } else {
            emit loadFailed(m_loadingDir, error);
        }
        return;
    }
    setModel(std::move(*model));
}

void SessionModel::setModel(LoadedModel model) {
    m_model = std::move(model);
    emit modelChanged();
    recompute();
}

void SessionModel::setText(const QString& text) {
    if (text == m_input.text) return;
    m_input.text = text;
    scheduleCompute();
}

void SessionModel::setPairText(const QString& pair) {
    if (pair == m_input.pair) return;
    m_input.pair = pair;
    if (m_input.usePair) scheduleCompute();
}

void SessionModel::setPairEnabled(bool enabled) {
    if (enabled == m_input.usePair) return;
    m_input.usePair = enabled;
    scheduleCompute();
}

void SessionModel::setMask(core::MaskMode mask) {
    if (mask == m_mask) return;
    m_mask = mask;
    recompute();
}

void SessionModel::setFeatures(const RunFeatures& features) {
    if (features == m_features) return;
    const bool more = features.predictions && !m_features.predictions;
    m_features = features;
    if (more && m_result && !m_result->predictionsComputed) recompute();
}

void SessionModel::setDebounceInterval(int ms) { m_debounce->setInterval(ms); }

void SessionModel::scheduleCompute() { m_debounce->start(); }

void SessionModel::recompute() {
    m_debounce->stop();
    startCompute();
}

void SessionModel::startCompute() {
    if (!m_model.isValid()) return;
    if (m_cancelRun) m_cancelRun->store(true);
    if (m_input.text.trimmed().isEmpty()) {
        // Nothing to look at; the previous picture stays.
        ++m_generation;
        setComputing(false);
        m_lastError = m_model.tokenizer ? tr("Type a sentence to see its attention.")
                                        : tr("Type token ids separated by spaces (this model has no tokenizer "
                                             "attnviz can read).");
        emit computeFailed(m_lastError);
        return;
    }
    m_cancelRun = std::make_shared<std::atomic<bool>>(false);
    const quint64 generation = ++m_generation;
    ++m_computeCount;
    {
        std::lock_guard lock(m_pending->mutex);
        m_pending->job = PendingJobs::Job{generation, m_model, m_input, m_mask, m_features, m_cancelRun, m_result};
    }
    setComputing(true);
    emit computeStarted();
    QMetaObject::invokeMethod(
        m_computeContext,
        [this, pending = m_pending] {
            std::optional<PendingJobs::Job> job;
            {
                std::lock_guard lock(pending->mutex);
                job.swap(pending->job);
            }
            if (!job) return;  // a newer request already took it
            std::shared_ptr<const SessionResult> result;
            QString error;
            auto tokens = tokenizeInput(job->model, job->input);
            if (!tokens) {
                error = QString::fromStdString(tokens.error());
            } else {
                auto run = runSession(job->model, tokens.value(), job->mask, job->cancel.get(), job->previous.get(),
                                      job->features);
                if (run) {
                    result = std::move(run.value());
                } else {
                    error = QString::fromStdString(run.error());
                }
            }
            if (job->cancel->load()) return;
            QMetaObject::invokeMethod(
                this, [this, generation = job->generation, result, error] { finishCompute(generation, result, error); },
                Qt::QueuedConnection);
            // The second stage: the extra pass for the induction statistic.
            // A newer edit cancels it; the next run then measures again.
            if (!result || !needsInduction(*result)) return;
            auto induction = measureSessionInduction(job->model, *result, job->cancel.get());
            if (job->cancel->load()) return;
            std::shared_ptr<const InductionMeasurement> measured = induction ? induction.value() : nullptr;
            const QString problem = induction ? QString() : QString::fromStdString(induction.error());
            QMetaObject::invokeMethod(
                this,
                [this, generation = job->generation, measured, problem] { finishInduction(generation, measured, problem); },
                Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

void SessionModel::finishCompute(quint64 generation, std::shared_ptr<const SessionResult> result, const QString& error) {
    if (generation != m_generation) return;  // superseded by a newer edit
    setComputing(false);
    if (!result) {
        m_lastError = error;
        emit computeFailed(error);
        return;
    }
    m_lastError.clear();
    m_result = std::move(result);
    emit resultReady();
}

void SessionModel::finishInduction(quint64 generation, std::shared_ptr<const InductionMeasurement> induction,
                                   const QString& problem) {
    if (generation != m_generation || !m_result) return;
    m_result = induction ? withInduction(*m_result, std::move(induction)) : withInductionProblem(*m_result, problem);
    emit resultUpdated();
}

void SessionModel::setComputing(bool computing) {
    if (computing == m_computing) return;
    m_computing = computing;
    emit busyChanged(computing || isLoading());
}

}  // namespace attnviz::ui
