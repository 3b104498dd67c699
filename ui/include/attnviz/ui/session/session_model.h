// The state behind the window: the open model (a core::Session), the text,
// the mask and the latest result. Loads models and computes on worker
// threads (LatestJob: a newer edit cancels the running computation, and the
// last good result stays until a new one is ready). Text edits are
// debounced by about the time the last run took (debounceForRunMs). After a
// result the session adds what the features ask for and the run lacks (the
// induction scores, once per model and mask; the head statistics when their
// panel came back) and replaces the result by a copy that carries them
// (resultUpdated).
#pragma once

#include "attnviz/ui/session/latest_job.h"
#include "attnviz/ui/session/loaded_model.h"
#include "attnviz/ui/session/seq2seq_compute.h"
#include "attnviz/ui/session/session_compute.h"
#include "attnviz/ui/session/session_result.h"

#include "attnviz/core/trace_file.h"

#include <QObject>
#include <QString>

#include <functional>
#include <memory>

class QTimer;

namespace attnviz::ui {

class SessionModel : public QObject {
    Q_OBJECT

public:
    // The debounce before the first run of a model, and its bounds.
    static constexpr int kDefaultDebounceMs = 150;
    static constexpr int kMinDebounceMs = 30;
    static constexpr int kMaxDebounceMs = 500;
    // The debounce after a run that took `runMs` (tokenizing included):
    // as long as the run, within [kMinDebounceMs, kMaxDebounceMs]. Fast runs
    // follow every pause in the typing; a slow run is not started (and then
    // cancelled by the next key) before the typing has paused about as long
    // as the run would take, so waiting never adds more than the run itself.
    static int debounceForRunMs(double runMs);

    explicit SessionModel(QObject* parent = nullptr);
    ~SessionModel() override;

    // Loads a model folder on a worker thread (loadStarted, loadProgress, then
    // modelChanged or loadFailed). A load in progress is cancelled first.
    void openModel(const QString& dir);
    void cancelLoad();
    // Stops the run being computed (an encoder-decoder generation, say); the
    // result on screen stays.
    void cancelCompute();
    bool isLoading() const { return m_loads->isBusy(); }
    // Installs an already loaded model and recomputes.
    void setModel(LoadedModel model);
    const LoadedModel& model() const { return m_model; }

    // Reads a trace file (core/trace_file.h) on a worker thread: loadStarted,
    // then traceOpened and resultReady, or loadFailed. A trace replaces the
    // model: nothing is re-run until a model is opened again (text, mask and
    // feature changes are kept for it).
    void openTrace(const QString& path);
    bool isTrace() const { return m_trace != nullptr; }
    // The open trace file, or null.
    const core::TraceFile* trace() const { return m_trace.get(); }

    // Edits are debounced; setMask recomputes at once.
    void setText(const QString& text);
    void setPairText(const QString& pair);
    void setPairEnabled(bool enabled);
    // Encoder-decoder models: the decoder's text; empty generates.
    void setTargetText(const QString& target);
    void setMask(core::MaskMode mask);
    const SessionInput& input() const { return m_input; }

    // Encoder-decoder models: which attention result() presents. Switching
    // recomputes nothing (resultReady with the other kind of the same run).
    void setAttentionKind(AttentionKind kind);
    AttentionKind attentionKind() const { return m_kind; }
    // The whole encoder-decoder run behind result(), or null.
    std::shared_ptr<const Seq2SeqViews> seq2seqViews() const { return m_seq2seq; }
    // New tokens generated when the target is empty.
    void setMaxNewTokens(int n);
    int maxNewTokens() const { return m_generate.maxNewTokens; }
    // How encoder-decoder models generate without a target: the new-token
    // limit, greedy (temperature 0) or sampled (temperature, top-k, seed).
    void setGenerateOptions(const core::GenerateOptions& options);
    const core::GenerateOptions& generateOptions() const { return m_generate; }
    core::MaskMode mask() const { return m_mask; }

    // What runs compute besides attention (predictions cost the LM head) and
    // the global tokens of Longformer models. Asking for more than the
    // current result has, or other global tokens, recomputes.
    void setFeatures(const RunFeatures& features);
    const RunFeatures& features() const { return m_features; }

    // Starts a computation now (skipping the debounce).
    void recompute();

    std::shared_ptr<const SessionResult> result() const { return m_result; }
    // What was typed for result() (its tokens' spans index these texts).
    const SessionInput& resultInput() const { return m_resultInput; }
    bool isComputing() const { return m_runs->isBusy(); }
    // The last error message ("" after a good result or while input is awaited).
    QString lastError() const { return m_lastError; }
    // Number of computations started (debounce tests, diagnostics).
    int computeCount() const { return m_computeCount; }
    // The debounce the next edit waits (debounceForRunMs of the last run).
    int debounceMs() const;

    // Tests: the run time the debounce follows, in place of the measured one.
    void setRunTimeForTesting(std::function<double(const SessionResult&)> measure) { m_measureForTesting = std::move(measure); }

    // Tests: runs on the worker before each computation (e.g. to throw there).
    void setWorkerHookForTesting(std::function<void()> hook) { m_workerHook = std::move(hook); }

signals:
    void loadStarted(const QString& dir);
    void loadProgress(int done, int total);
    void loadFailed(const QString& dir, const QString& message);
    void loadCancelled();
    void modelChanged();
    // A trace file replaced the model (result() is its run).
    void traceOpened();
    void computeStarted();
    void resultReady();
    // result() is now the same run with its induction scores (or statistics).
    void resultUpdated();
    // A run failed (message in place of the views; the last result stays).
    void computeFailed(const QString& message);
    // Nothing to run: the text is empty. `hint` says what to type.
    void inputNeeded(const QString& hint);
    void busyChanged(bool busy);
    // setMask changed the mask (the controls follow it).
    void maskChanged(attnviz::core::MaskMode mask);
    // setAttentionKind changed the kind (the selector follows it).
    void attentionKindChanged(attnviz::ui::AttentionKind kind);

private:
    void scheduleCompute();
    void startCompute();
    void startSeq2SeqCompute();
    // The second stage: what the features ask for and the result lacks.
    void startExtras();
    void emitBusy();

    LoadedModel m_model;
    std::shared_ptr<const core::TraceFile> m_trace;
    SessionInput m_input;
    core::MaskMode m_mask;
    RunFeatures m_features;
    std::shared_ptr<const SessionResult> m_result;
    SessionInput m_resultInput;
    std::shared_ptr<const Seq2SeqViews> m_seq2seq;  // the run behind m_result (encoder-decoder models)
    AttentionKind m_kind = AttentionKind::Cross;
    core::GenerateOptions m_generate = [] {
        core::GenerateOptions o;
        o.maxNewTokens = kDefaultNewTokens;
        return o;
    }();
    QString m_lastError;
    int m_computeCount = 0;
    std::function<void()> m_workerHook;
    std::function<double(const SessionResult&)> m_measureForTesting;

    QTimer* m_debounce = nullptr;
    LatestJob* m_loads = nullptr;
    LatestJob* m_runs = nullptr;
    LatestJob* m_extras = nullptr;  // the second stage; a newer run cancels it
};

}  // namespace attnviz::ui
