#include "attnviz/ui/session/session_model.h"

#include <QTimer>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace attnviz::ui {

SessionModel::SessionModel(QObject* parent)
    : QObject(parent),
      m_debounce(new QTimer(this)),
      m_loads(new LatestJob(QStringLiteral("attnviz-load"), this)),
      m_runs(new LatestJob(QStringLiteral("attnviz-compute"), this)),
      m_extras(new LatestJob(QStringLiteral("attnviz-extras"), this)) {
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(kDefaultDebounceMs);
    connect(m_debounce, &QTimer::timeout, this, &SessionModel::startCompute);
    connect(m_loads, &LatestJob::busyChanged, this, &SessionModel::emitBusy);
    connect(m_runs, &LatestJob::busyChanged, this, &SessionModel::emitBusy);
}

// The runners (children) cancel and join their workers as they go.
SessionModel::~SessionModel() = default;

void SessionModel::emitBusy() { emit busyChanged(m_loads->isBusy() || m_runs->isBusy()); }

void SessionModel::openModel(const QString& dir) {
    emit loadStarted(dir);
    m_loads->submit<LoadedModel>(
        [this, dir](const std::atomic<bool>& cancel) {
            int lastPercent = -1;
            const core::ProgressFn progress = [&](std::size_t done, std::size_t total) {
                const int percent = total == 0 ? 100 : static_cast<int>(done * 100 / total);
                if (percent != lastPercent) {
                    lastPercent = percent;
                    // Queued to this object, so dropped if it is gone.
                    QMetaObject::invokeMethod(
                        this, [this, percent] { if (isLoading()) emit loadProgress(percent, 100); },
                        Qt::QueuedConnection);
                }
                return !cancel.load();
            };
            return loadModelFolder(dir, progress);
        },
        [this, dir](core::Result<LoadedModel> loaded) {
            if (!loaded) {
                if (loaded.code() == core::ErrorCode::Cancelled) {
                    emit loadCancelled();
                } else {
                    emit loadFailed(dir, QString::fromStdString(loaded.error()));
                }
                return;
            }
            setModel(std::move(loaded.value()));
        });
    emitBusy();
}

void SessionModel::openTrace(const QString& path) {
    emit loadStarted(path);
    m_loads->submit<std::shared_ptr<const core::TraceFile>>(
        [path](const std::atomic<bool>&) -> core::Result<std::shared_ptr<const core::TraceFile>> {
            auto file = core::readTraceFile(path.toStdString());
            if (!file) return file.takeError();
            return std::make_shared<const core::TraceFile>(std::move(file.value()));
        },
        [this, path](core::Result<std::shared_ptr<const core::TraceFile>> file) {
            if (!file) {
                if (file.code() != core::ErrorCode::Cancelled) emit loadFailed(path, QString::fromStdString(file.error()));
                return;
            }
            // Nothing of the model runs any more.
            m_debounce->stop();
            m_runs->cancel();
            m_extras->cancel();
            m_model = LoadedModel{};
            m_seq2seq.reset();
            m_trace = std::move(file.value());
            m_lastError.clear();
            m_result = toSessionResult(core::runResultFromTrace(*m_trace));
            m_resultInput = SessionInput{};
            emit traceOpened();
            emit resultReady();
        });
    emitBusy();
}

void SessionModel::cancelLoad() {
    if (!m_loads->isBusy()) return;
    m_loads->cancel();
    emit loadCancelled();
}

void SessionModel::cancelCompute() {
    if (!m_runs->isBusy()) return;
    m_runs->cancel();
}

int SessionModel::debounceForRunMs(double runMs) {
    if (!(runMs >= 0)) return kDefaultDebounceMs;
    return static_cast<int>(std::clamp(std::lround(runMs), long{kMinDebounceMs}, long{kMaxDebounceMs}));
}

int SessionModel::debounceMs() const { return m_debounce->interval(); }

void SessionModel::setModel(LoadedModel model) {
    m_model = std::move(model);
    m_seq2seq.reset();
    m_trace.reset();
    // Another model, other run times: start from the default again.
    m_debounce->setInterval(kDefaultDebounceMs);
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

void SessionModel::setTargetText(const QString& target) {
    if (target == m_input.target) return;
    m_input.target = target;
    if (m_model.isSeq2Seq()) scheduleCompute();
}

void SessionModel::setAttentionKind(AttentionKind kind) {
    if (kind == m_kind) return;
    m_kind = kind;
    emit attentionKindChanged(kind);
    if (m_seq2seq) {
        m_result = m_seq2seq->at(kind);
        emit resultReady();
    }
}

void SessionModel::setMaxNewTokens(int n) {
    core::GenerateOptions o = m_generate;
    o.maxNewTokens = n;
    setGenerateOptions(o);
}

void SessionModel::setGenerateOptions(const core::GenerateOptions& options) {
    core::GenerateOptions o = options;
    o.maxNewTokens = std::max(1, o.maxNewTokens);
    if (o.maxNewTokens == m_generate.maxNewTokens && o.temperature == m_generate.temperature &&
        o.topK == m_generate.topK && o.seed == m_generate.seed) {
        return;
    }
    m_generate = o;
    if (m_model.isSeq2Seq() && m_input.target.trimmed().isEmpty()) scheduleCompute();
}

void SessionModel::setMask(core::MaskMode mask) {
    if (mask == m_mask) return;
    m_mask = mask;
    emit maskChanged(mask);
    recompute();
}

void SessionModel::setFeatures(const RunFeatures& features) {
    if (features == m_features) return;
    const bool more = features.predictions && !m_features.predictions;
    const bool otherGlobals = features.globalTokens != m_features.globalTokens;
    // A layer the result on screen did not capture (the Explain view).
    const bool capture = features.captureLayer >= 0 && m_result && !m_trace &&
                         features.captureLayer < m_result->trace->nLayers() &&
                         m_result->capture(features.captureLayer) == nullptr;
    m_features = features;
    if (otherGlobals || capture || (more && m_result && !m_result->predictionsComputed)) {
        recompute();
    } else if (!isComputing()) {
        // Statistics or induction wanted again: from the result on screen.
        startExtras();
    }
}

void SessionModel::scheduleCompute() { m_debounce->start(); }

void SessionModel::recompute() {
    m_debounce->stop();
    startCompute();
}

void SessionModel::startCompute() {
    if (!m_model.isValid() || m_trace) return;
    m_extras->cancel();
    if (m_input.text.trimmed().isEmpty()) {
        // Nothing to look at; the previous picture stays.
        m_runs->cancel();
        m_lastError.clear();
        emit inputNeeded(m_model.tokenizer ? tr("Type a sentence to see its attention.")
                                           : tr("Type token ids separated by spaces (this model has no tokenizer "
                                                "attnviz can read)."));
        return;
    }
    if (m_model.isSeq2Seq()) {
        startSeq2SeqCompute();
        return;
    }
    ++m_computeCount;
    emit computeStarted();
    m_runs->submit<std::shared_ptr<const SessionResult>>(
        [model = m_model, input = m_input, mask = m_mask, features = m_features,
         hook = m_workerHook](const std::atomic<bool>& cancel) -> core::Result<std::shared_ptr<const SessionResult>> {
            if (hook) hook();
            const auto start = std::chrono::steady_clock::now();
            auto tokens = tokenizeInput(model, input);
            if (!tokens) return tokens.takeError();
            const double tokenizeMs =
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
            return runSession(model, tokens.value(), mask, &cancel, features, tokenizeMs);
        },
        [this, input = m_input](core::Result<std::shared_ptr<const SessionResult>> run) {
            if (!run) {
                m_lastError = QString::fromStdString(run.error());
                emit computeFailed(m_lastError);
                return;
            }
            m_lastError.clear();
            m_seq2seq.reset();
            m_result = std::move(run.value());
            m_resultInput = input;
            const double measured =
                m_measureForTesting ? m_measureForTesting(*m_result) : m_result->tokenizeMs + m_result->computeMs;
            m_debounce->setInterval(debounceForRunMs(measured));
            emit resultReady();
            startExtras();
        });
}

void SessionModel::startSeq2SeqCompute() {
    ++m_computeCount;
    emit computeStarted();
    // The statistics are cheap beside the run: always with it, so that
    // switching the kind never waits for a second stage.
    RunFeatures features = m_features;
    features.statistics = true;
    m_runs->submit<std::shared_ptr<const Seq2SeqViews>>(
        [session = m_model.seq2seq, input = m_input, mask = m_mask, features, generate = m_generate,
         hook = m_workerHook](const std::atomic<bool>& cancel) -> core::Result<std::shared_ptr<const Seq2SeqViews>> {
            if (hook) hook();
            return runSeq2Seq(*session, input, mask, &cancel, features, generate);
        },
        [this, input = m_input](core::Result<std::shared_ptr<const Seq2SeqViews>> run) {
            if (!run) {
                m_lastError = QString::fromStdString(run.error());
                emit computeFailed(m_lastError);
                return;
            }
            m_lastError.clear();
            m_seq2seq = std::move(run.value());
            m_result = m_seq2seq->at(m_kind);
            m_resultInput = input;
            const double measured =
                m_measureForTesting ? m_measureForTesting(*m_result) : m_result->tokenizeMs + m_result->computeMs;
            m_debounce->setInterval(debounceForRunMs(measured));
            emit resultReady();
        });
}

// The second stage: the statistics when they were not computed with the run
// and the extra pass for the induction statistic. A newer run cancels it;
// the session then measures again (or takes its cached scores).
void SessionModel::startExtras() {
    if (!m_result || m_trace || m_result->seq2seq || !needsExtras(*m_result, m_features)) return;
    m_extras->submit<std::shared_ptr<const SessionResult>>(
        [model = m_model, result = m_result, features = m_features](const std::atomic<bool>& cancel) {
            return completeExtras(model, *result, features, &cancel);
        },
        [this](core::Result<std::shared_ptr<const SessionResult>> completed) {
            if (completed) {
                m_result = std::move(completed.value());
            } else {
                // (Cancelled jobs deliver nothing.) Say why in the Heads table.
                auto copy = std::make_shared<SessionResult>(*m_result);
                copy->inductionProblem = QString::fromStdString(completed.error());
                m_result = std::move(copy);
            }
            emit resultUpdated();
        });
}

}  // namespace attnviz::ui
