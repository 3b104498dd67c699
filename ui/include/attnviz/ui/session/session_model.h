// The state behind the window: the open model, the text, the mask and the
// latest result. Loads models and computes on worker threads; a newer edit
// cancels the running computation, and the last good result stays until a
// new one is ready. Text edits are debounced. After a result the worker
// measures the induction statistic (once per model and mask) and replaces
// the result by a copy that carries it (resultUpdated).
#pragma once

#include "attnviz/ui/session/loaded_model.h"
#include "attnviz/ui/session/session_compute.h"
#include "attnviz/ui/session/session_result.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <memory>

class QThread;
class QTimer;

namespace attnviz::ui {

struct PendingJobs;

class SessionModel : public QObject {
    Q_OBJECT

public:
    static constexpr int kDefaultDebounceMs = 150;

    explicit SessionModel(QObject* parent = nullptr);
    ~SessionModel() override;

    // Loads a model folder on a worker thread (loadStarted, loadProgress, then
    // modelChanged or loadFailed). A load in progress is cancelled first.
    void openModel(const QString& dir);
    void cancelLoad();
    bool isLoading() const { return m_loadThread != nullptr; }
    QString loadingDir() const { return m_loadingDir; }
    // Installs an already loaded model and recomputes.
    void setModel(LoadedModel model);
    const LoadedModel& model() const { return m_model; }

    // Edits are debounced; setMask recomputes at once.
    void setText(const QString& text);
    void setPairText(const QString& pair);
    void setPairEnabled(bool enabled);
    void setMask(core::MaskMode mask);
    const SessionInput& input() const { return m_input; }
    core::MaskMode mask() const { return m_mask; }

    // What runs compute besides attention (predictions cost the LM head).
    // Asking for more than the current result has recomputes.
    void setFeatures(const RunFeatures& features);
    const RunFeatures& features() const { return m_features; }

    void setDebounceInterval(int ms);
    // Starts a computation now (skipping the debounce).
    void recompute();

    std::shared_ptr<const SessionResult> result() const { return m_result; }
    bool isComputing() const { return m_computing; }
    // The last error message ("" after a good result).
    QString lastError() const { return m_lastError; }
    // Number of computations started (debounce tests, diagnostics).
    int computeCount() const { return m_computeCount; }

signals:
    void loadStarted(const QString& dir);
    void loadProgress(int done, int total);
    void loadFailed(const QString& dir, const QString& message);
    void loadCancelled();
    void modelChanged();
    void computeStarted();
    void resultReady();
    // result() is now the same run with its induction scores.
    void resultUpdated();
    void computeFailed(const QString& message);
    void busyChanged(bool busy);

private:
    void scheduleCompute();
    void startCompute();
    void finishCompute(quint64 generation, std::shared_ptr<const SessionResult> result, const QString& error);
    void finishInduction(quint64 generation, std::shared_ptr<const InductionMeasurement> induction,
                         const QString& problem);
    void finishLoad(quint64 generation, std::shared_ptr<LoadedModel> model, const QString& error);
    void setComputing(bool computing);
    void stopWorker();

    LoadedModel m_model;
    SessionInput m_input;
    core::MaskMode m_mask;
    RunFeatures m_features;
    std::shared_ptr<const SessionResult> m_result;
    QString m_lastError;

    QTimer* m_debounce = nullptr;
    QThread* m_computeThread = nullptr;
    QObject* m_computeContext = nullptr;  // lives on m_computeThread
    std::shared_ptr<PendingJobs> m_pending;
    std::shared_ptr<std::atomic<bool>> m_cancelRun;
    quint64 m_generation = 0;
    bool m_computing = false;
    int m_computeCount = 0;

    QThread* m_loadThread = nullptr;
    std::shared_ptr<std::atomic<bool>> m_cancelLoad;
    quint64 m_loadGeneration = 0;
    QString m_loadingDir;
};

}  // namespace attnviz::ui
