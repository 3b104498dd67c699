#include "window/status_line.h"

#include "panels/elided_label.h"
#include "attnviz/ui/window/theme.h"

#include "attnviz/ui/session/session_model.h"

#include <QDir>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QStatusBar>

namespace attnviz::ui {

StatusLine::StatusLine(QStatusBar* bar, SessionModel* session) : QObject(bar), m_bar(bar), m_session(session) {
    // The model's and the mask's lines give up width first (an ellipsis; the
    // tooltip keeps the rest) so the status bar never widens the window.
    m_model = new ElidedLabel(bar, 16);
    m_model->setText(tr("no model"));
    m_tokens = new QLabel(bar);
    m_time = new QLabel(bar);
    m_time->setObjectName(QStringLiteral("runTimeLabel"));
    m_mask = new ElidedLabel(bar, 12);
    m_mask->setObjectName(QStringLiteral("maskStatus"));
    m_progress = new QProgressBar(bar);
    m_progress->setRange(0, 100);
    m_progress->setMaximumWidth(160);
    m_progress->setVisible(false);
    m_cancelLoad = new QPushButton(tr("Cancel"), bar);
    m_cancelLoad->setVisible(false);
    m_cancelLoad->setShortcut(QKeySequence(Qt::Key_Escape));
    for (QLabel* l : std::initializer_list<QLabel*>{m_mask, m_model, m_tokens, m_time}) l->setContentsMargins(10, 0, 10, 0);
    bar->setStyleSheet(QStringLiteral("QStatusBar::item { border: none; }"));
    for (QWidget* w : std::initializer_list<QWidget*>{m_progress, m_cancelLoad, m_mask, m_model, m_tokens, m_time}) {
        bar->addPermanentWidget(w);
    }

    connect(m_cancelLoad, &QPushButton::clicked, session, &SessionModel::cancelLoad);
    connect(session, &SessionModel::computeStarted, this, [this] { m_time->setText(tr("computing...")); });
    connect(session, &SessionModel::computeFailed, m_time, &QLabel::clear);
    connect(session, &SessionModel::inputNeeded, m_time, &QLabel::clear);
    connect(session, &SessionModel::loadStarted, this, [this](const QString& dir) {
        m_progress->setValue(0);
        m_progress->setVisible(true);
        m_cancelLoad->setVisible(true);
        m_bar->showMessage(tr("Loading %1 ...").arg(QDir::toNativeSeparators(dir)));
    });
    connect(session, &SessionModel::loadProgress, m_progress, &QProgressBar::setValue);
    connect(session, &SessionModel::loadFailed, this, &StatusLine::endLoad);
    connect(session, &SessionModel::loadCancelled, this, [this] {
        endLoad();
        m_bar->showMessage(tr("Loading cancelled"), 3000);
    });
    connect(session, &SessionModel::traceOpened, this, &StatusLine::showTrace);
    connect(session, &SessionModel::modelChanged, this, [this, session] {
        endLoad();
        showModel();
        // What loading noticed without failing (e.g. tensors the architecture
        // does not use, a tokenizer with ids beyond the model's vocabulary),
        // as transformers reports it.
        const LoadedModel& m = session->model();
        const std::vector<std::string>* warnings =
            m.session ? &m.session->warnings() : (m.seq2seq ? &m.seq2seq->warnings() : nullptr);
        if (warnings != nullptr && !warnings->empty()) {
            QStringList lines;
            for (const std::string& w : *warnings) lines << QString::fromStdString(w);
            m_bar->showMessage(tr("Loaded with a warning: %1").arg(lines.join(QStringLiteral("; "))), 15000);
        }
    });
}

void StatusLine::endLoad() {
    m_progress->setVisible(false);
    m_cancelLoad->setVisible(false);
    m_bar->clearMessage();
}

void StatusLine::showModel() {
    const LoadedModel& m = m_session->model();
    const std::string type = m.seq2seq ? m.seq2seq->model().config().modelType : m.model->config().modelType;
    m_model->setText(QStringLiteral("%1 (%2) · %3").arg(m.name(), QString::fromStdString(type), m.shapeText()));
    m_model->setToolTip(QDir::toNativeSeparators(m.dir));
}

void StatusLine::showTrace() {
    endLoad();
    const core::TraceFile* t = m_session->trace();
    if (t == nullptr) return;
    m_model->setText(tr("%1 (%2) · %3 layers x %4 heads · trace file")
                         .arg(QString::fromStdString(t->header.model), QString::fromStdString(t->header.modelType))
                         .arg(t->trace->nLayers())
                         .arg(t->trace->nHeads()));
    m_model->setToolTip(tr("%1\nwritten by %2, stored as %3")
                            .arg(QDir::toNativeSeparators(QString::fromStdString(t->path.string())),
                                 QString::fromStdString(t->header.producer),
                                 QString::fromStdString(std::string(core::dtypeName(t->dtype)))));
}

QString StatusLine::timeSplit(const SessionResult& result) {
    // Where the time of the last edit went; stages that did not run are left out.
    const core::RunTimings& t = result.run->timings;
    QStringList parts{tr("tokenize %1 ms").arg(result.tokenizeMs, 0, 'f', 1),
                      tr("forward pass %1 ms").arg(t.forwardMs, 0, 'f', 1)};
    if (t.defaultMaskMs > 0) parts << tr("run under the model's own mask %1 ms").arg(t.defaultMaskMs, 0, 'f', 1);
    if (t.statisticsMs > 0) parts << tr("statistics and predictions %1 ms").arg(t.statisticsMs, 0, 'f', 1);
    if (t.inductionMs > 0) parts << tr("induction pass %1 ms").arg(t.inductionMs, 0, 'f', 1);
    return parts.join(QStringLiteral("\n"));
}

void StatusLine::showResult(const SessionResult& result) {
    m_tokens->setText(tr("%n token(s)", nullptr, result.tokenCount()));
    if (!result.run->traceFile.empty()) {
        m_time->setText(tr("computed elsewhere"));
        m_time->setToolTip(tr("Read from a trace file: attnviz did not run this model"));
    } else {
        m_time->setText(tr("%1 ms").arg(result.tokenizeMs + result.computeMs, 0, 'f', 1));
        m_time->setToolTip(timeSplit(result));
    }
    if (result.isCross()) {
        m_mask->setText(tr("mask: %1").arg(result.maskShortText()));
        setTextRole(m_mask, TextRole::Normal);
    } else if (result.maskIsDefault()) {
        m_mask->setText(tr("mask: %1").arg(maskLabel(result.trace->mask())));
        setTextRole(m_mask, TextRole::Normal);
    } else {
        m_mask->setText(tr("mask: %1").arg(result.maskShortText()));
        setTextRole(m_mask, TextRole::Warning);
    }
}

void StatusLine::showMessage(const QString& text, int timeoutMs) {
    if (text.isEmpty()) {
        m_bar->clearMessage();
    } else {
        m_bar->showMessage(text, timeoutMs);
    }
}

}  // namespace attnviz::ui
