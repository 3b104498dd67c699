#include "window/banner.h"
#include "attnviz/ui/window/theme.h"

#include "attnviz/ui/session/session_model.h"

#include <QDir>

namespace attnviz::ui {

Banner::Banner(QWidget* parent) : QLabel(parent) {
    setObjectName(QStringLiteral("banner"));
    setWordWrap(true);
    setTextInteractionFlags(Qt::TextSelectableByMouse);
    setVisible(false);
}

void Banner::setStickyError(const QString& text) {
    m_sticky = text;
    showMessage(QString(), false);
}

void Banner::showMessage(const QString& message, bool isError) {
    // A sticky error stays on top; a hint goes below it, an error replaces it.
    QString text = message;
    bool error = isError;
    if (!m_sticky.isEmpty() && !isError) {
        text = message.isEmpty() ? m_sticky : m_sticky + QLatin1Char('\n') + message;
        error = true;
    }
    setText(text);
    setVisible(!text.isEmpty());
    setTextRole(this, error ? TextRole::BannerError : TextRole::BannerWarning);
}

QString Banner::message() const { return isVisible() ? text() : QString(); }

void Banner::follow(SessionModel* session) {
    connect(session, &SessionModel::computeFailed, this, [this](const QString& message) {
        showMessage(tr("Could not compute: %1 (the picture below is the last good result)").arg(message), true);
    });
    connect(session, &SessionModel::inputNeeded, this, [this](const QString& hint) { showMessage(hint, false); });
    connect(session, &SessionModel::loadFailed, this, [this](const QString& dir, const QString& message) {
        showMessage(tr("Could not open %1: %2").arg(QDir::toNativeSeparators(dir), message), true);
    });
    connect(session, &SessionModel::modelChanged, this, [this, session] {
        const LoadedModel& m = session->model();
        if (m.tokenizer) return;
        showMessage(tr("This model has no tokenizer attnviz can read (%1): type token ids separated by spaces.")
                        .arg(m.tokenizerProblem),
                    false);
    });
    connect(session, &SessionModel::resultReady, this, [this, session] {
        if (!session->result()) return;
        if (const core::TraceFile* t = session->trace()) {
            showMessage(tr("Trace file %1, computed elsewhere by %2. Every view and analysis of its attention works; "
                           "the text, the mask, the predictions, the steps, value norms and induction are off: %3.")
                            .arg(QDir::toNativeSeparators(QString::fromStdString(t->path.string())),
                                 QString::fromStdString(t->header.producer), QString::fromUtf8(core::kTraceCannotRerun)),
                        false);
            return;
        }
        const LoadedModel& m = session->model();
        if (m.tokenizer) {
            showMessage(QString(), false);
        } else {
            showMessage(tr("This model has no tokenizer attnviz can read (%1): the text box takes token ids.")
                            .arg(m.tokenizerProblem),
                        false);
        }
    });
}

}  // namespace attnviz::ui
