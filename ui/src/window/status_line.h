// The window's status bar: the open model, the run's token count, compute
// time and mask (amber when it is not the model's own), a progress bar with
// Cancel while a model loads, and passing messages (hover values, "Loading
// ..."). It follows the session's load and compute signals itself.
#pragma once

#include <QObject>

class QLabel;
class QProgressBar;
class QPushButton;
class QStatusBar;

namespace attnviz::ui {

class ElidedLabel;
class SessionModel;
struct SessionResult;

class StatusLine : public QObject {
    Q_OBJECT

public:
    StatusLine(QStatusBar* bar, SessionModel* session);

    void showResult(const SessionResult& result);
    // The open trace file in place of the model: name, type, shape, file.
    void showTrace();
    // The time split of a result, one stage per line (the time label's tooltip).
    static QString timeSplit(const SessionResult& result);
    // A passing message ("" clears it); timeoutMs 0 keeps it until the next.
    void showMessage(const QString& text, int timeoutMs = 0);

private:
    void showModel();
    void endLoad();

    QStatusBar* m_bar = nullptr;
    SessionModel* m_session = nullptr;
    ElidedLabel* m_model = nullptr;
    QLabel* m_tokens = nullptr;
    QLabel* m_time = nullptr;
    ElidedLabel* m_mask = nullptr;
    QProgressBar* m_progress = nullptr;
    QPushButton* m_cancelLoad = nullptr;
};

}  // namespace attnviz::ui
