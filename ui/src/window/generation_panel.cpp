#include "window/generation_panel.h"

#include "attnviz/core/model.h"
#include "attnviz/core/seq2seq_session.h"
#include "attnviz/ui/session/latest_job.h"
#include "attnviz/ui/session/session_model.h"
#include "attnviz/ui/views/generation_timeline.h"

#include <QApplication>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QShortcut>
#include <QSpinBox>
#include <QVBoxLayout>

namespace attnviz::ui {

GenerationPanel::GenerationPanel(SessionModel* session, QWidget* parent)
    : QWidget(parent), m_session(session), m_job(new LatestJob(QStringLiteral("attnviz-generate"), this)) {
    m_maxNew = new QSpinBox(this);
    m_maxNew->setObjectName(QStringLiteral("maxNewTokens"));
    m_maxNew->setRange(1, 1024);
    m_maxNew->setValue(20);
    m_maxNew->setToolTip(tr("Stop after this many new tokens (or at the end-of-sequence token)"));
    m_temperature = new QDoubleSpinBox(this);
    m_temperature->setObjectName(QStringLiteral("temperature"));
    m_temperature->setRange(0.0, 5.0);
    m_temperature->setSingleStep(0.1);
    m_temperature->setDecimals(2);
    m_temperature->setSpecialValueText(tr("greedy"));
    m_temperature->setToolTip(tr("0 (greedy): always the most probable token; above 0: sample from "
                                 "softmax(logits / temperature)"));
    m_topK = new QSpinBox(this);
    m_topK->setObjectName(QStringLiteral("topK"));
    m_topK->setRange(0, 100000);
    m_topK->setSpecialValueText(tr("all"));
    m_topK->setToolTip(tr("Sampling: only the k most probable tokens (all: no limit)"));
    m_seed = new QSpinBox(this);
    m_seed->setObjectName(QStringLiteral("seed"));
    m_seed->setRange(0, 1 << 30);
    m_seed->setToolTip(tr("Sampling: the same seed gives the same text"));
    // Room for 7 digits when the window is narrow (it grows when there is room).
    m_seed->setMinimumWidth(m_seed->fontMetrics().horizontalAdvance(QStringLiteral("0000000")) + 40);
    m_generate = new QPushButton(tr("Generate"), this);
    m_generate->setObjectName(QStringLiteral("generateButton"));
    m_generate->setToolTip(tr("Generate after the text (Ctrl+G)"));
    m_note = new QLabel(this);
    m_note->setWordWrap(true);
    m_note->setForegroundRole(QPalette::PlaceholderText);
    m_timeline = new GenerationTimeline(this);

    auto* row = new QHBoxLayout;
    row->setContentsMargins(6, 4, 6, 0);
    const auto caption = [this](const QString& text) { return new QLabel(text, this); };
    row->addWidget(caption(tr("New tokens:")));
    row->addWidget(m_maxNew);
    row->addWidget(caption(tr("Temperature:")));
    row->addWidget(m_temperature);
    row->addWidget(caption(tr("Top-k:")));
    row->addWidget(m_topK);
    row->addWidget(caption(tr("Seed:")));
    row->addWidget(m_seed);
    row->addWidget(m_generate);
    row->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(row);
    layout->addWidget(m_note);
    layout->addWidget(m_timeline, 1);

    for (QSpinBox* s : {m_maxNew, m_topK, m_seed}) connect(s, &QSpinBox::valueChanged, this, &GenerationPanel::optionsEdited);
    connect(m_temperature, &QDoubleSpinBox::valueChanged, this, &GenerationPanel::optionsEdited);
    connect(m_generate, &QPushButton::clicked, this, &GenerationPanel::generate);
    auto* shortcut = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_G), this);
    shortcut->setContext(Qt::WindowShortcut);
    shortcut->setWhatsThis(tr("Generate (Generation tab)"));
    connect(shortcut, &QShortcut::activated, this, &GenerationPanel::generate);
    connect(m_timeline, &GenerationTimeline::cancelRequested, this, &GenerationPanel::cancel);
    // Encoder-decoder models generate in the session's run when the Target
    // box is empty: the timeline says so and its Cancel stops that run.
    connect(m_session, &SessionModel::computeStarted, this, [this] {
        if (m_session->model().isSeq2Seq() && m_session->input().target.trimmed().isEmpty()) {
            m_timeline->setGenerating(true, 0, m_session->generateOptions().maxNewTokens);
        }
    });
    connect(m_session, &SessionModel::busyChanged, this, [this](bool busy) {
        if (!busy && m_session->model().isSeq2Seq() && m_timeline->isGenerating()) m_timeline->setGenerating(false);
    });
    optionsEdited();
}

core::GenerateOptions GenerationPanel::options() const {
    core::GenerateOptions o;
    o.maxNewTokens = m_maxNew->value();
    o.temperature = m_temperature->value();
    o.topK = o.temperature > 0 ? m_topK->value() : 0;
    o.seed = static_cast<std::uint64_t>(m_seed->value());
    return o;
}

void GenerationPanel::setOptions(const core::GenerateOptions& options) {
    m_maxNew->setValue(options.maxNewTokens);
    m_temperature->setValue(options.temperature);
    m_topK->setValue(options.topK);
    m_seed->setValue(static_cast<int>(options.seed));
}

void GenerationPanel::optionsEdited() {
    const bool sampling = m_temperature->value() > 0;
    m_topK->setEnabled(sampling);
    m_seed->setEnabled(sampling);
    emit optionsChanged(options());
}

void GenerationPanel::reset() {
    m_job->cancel();
    m_timeline->clear();
    m_note->clear();
}

void GenerationPanel::cancel() {
    m_job->cancel();
    if (m_session->model().isSeq2Seq()) m_session->cancelCompute();
    m_timeline->setGenerating(false);
    m_note->setText(tr("Generation cancelled."));
}

void GenerationPanel::showSeq2Seq(const core::Seq2SeqRunResult& run) {
    if (!run.generation) {
        m_timeline->clear();
        m_note->setText(tr("The decoder was fed the Target text (teacher forcing). Clear the Target box and the model "
                           "generates, with the options above."));
        return;
    }
    QStringList source;
    for (const core::Token& t : run.sourceTokens) source << QString::fromStdString(t.display);
    const core::Seq2SeqSession* session = m_session->model().seq2seq.get();
    m_timeline->setGeneration(timelineFromSeq2Seq(*run.generation, source, [session](std::int32_t id) {
        return session ? QString::fromStdString(session->targetText(id)) : QStringLiteral("#%1").arg(id);
    }));
    m_note->setText(tr("Generated with the Target box empty; the views show the decoder run over this text."));
}

void GenerationPanel::generate() {
    const LoadedModel& m = m_session->model();
    if (m.isSeq2Seq()) {
        // The session generates whenever the target is empty.
        m_session->setGenerateOptions(options());
        if (!m_session->input().target.trimmed().isEmpty()) {
            m_note->setText(tr("Clear the Target box: the model then generates the target itself."));
        }
        return;
    }
    const auto result = m_session->result();
    if (!m.model || !result || result->tokens.empty()) {
        m_note->setText(tr("Type a text first: generation continues it."));
        return;
    }
    if (m_session->trace() != nullptr) {
        m_note->setText(tr("A trace file cannot generate: it holds attention, not the model."));
        return;
    }
    std::vector<std::int32_t> prompt;
    for (const TokenLabel& t : result->tokens) prompt.push_back(t.id);
    core::GenerateOptions o = options();
    QPointer<GenerationPanel> self(this);
    m_timeline->setGenerating(true, 0, o.maxNewTokens);
    m_note->setText(tr("Generating after the %1 tokens of the text…").arg(prompt.size()));
    m_job->submit<core::CausalGeneration>(
        [model = m.model, prompt, o, self](const std::atomic<bool>& cancel) mutable -> core::Result<core::CausalGeneration> {
            o.cancel = &cancel;
            o.progress = [self](int done, int total) {
                QMetaObject::invokeMethod(qApp, [self, done, total] {
                    if (self && self->m_timeline->isGenerating()) self->m_timeline->setGenerating(true, done, total);
                }, Qt::QueuedConnection);
                return true;
            };
            return core::generateCausal(*model, prompt, o);
        },
        [this, tokenizer = m.tokenizer](core::Result<core::CausalGeneration> generation) {
            m_timeline->setGenerating(false);
            if (!generation) {
                m_note->setText(tr("Could not generate: %1").arg(QString::fromStdString(generation.error())));
                return;
            }
            m_timeline->setGeneration(timelineFromCausal(*generation, [tokenizer](std::int32_t id) {
                return tokenizer ? QString::fromStdString(tokenizer->display(id)) : QStringLiteral("#%1").arg(id);
            }));
            m_note->setText(tr("%1 new tokens%2. Rows of the prompt's own positions are highlighted in the heatmap; "
                               "later positions exist only here.")
                                .arg(generation->steps.size())
                                .arg(generation->stoppedAtEos ? tr(", stopped at the end-of-sequence token") : QString()));
        });
}

}  // namespace attnviz::ui
