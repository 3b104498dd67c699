#include "panels/input_panel.h"
#include "attnviz/ui/window/theme.h"

#include "panels/predictions_panel.h"
#include "panels/token_strip.h"

#include <QCheckBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QVBoxLayout>

namespace attnviz::ui {
namespace {

QPlainTextEdit* makeEdit(QWidget* parent, const QString& name, int lines) {
    auto* edit = new QPlainTextEdit(parent);
    edit->setObjectName(name);
    edit->setTabChangesFocus(true);
    const int lineHeight = edit->fontMetrics().lineSpacing();
    edit->setMinimumHeight(lineHeight * lines + 14);
    edit->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    return edit;
}

QLabel* heading(const QString& text, QWidget* parent) {
    auto* l = new QLabel(text, parent);
    l->setStyleSheet(QStringLiteral("QLabel { font-weight: bold; }"));
    setTextRole(l, TextRole::Muted);
    return l;
}

}  // namespace

InputPanel::InputPanel(QWidget* parent) : QWidget(parent) {
    m_text = makeEdit(this, QStringLiteral("textEdit"), 4);
    m_text->setPlaceholderText(tr("Type a sentence: attention updates as you type"));
    m_pairBox = new QCheckBox(tr("Second sentence (pair)"), this);
    m_pairBox->setObjectName(QStringLiteral("pairCheck"));
    m_pairBox->setToolTip(tr("Models with token types (BERT) read two sentences as segments A and B"));
    m_pair = makeEdit(this, QStringLiteral("pairEdit"), 2);
    m_pair->setPlaceholderText(tr("Second sentence (segment B)"));
    m_pair->setVisible(false);
    m_sourceCaption = heading(tr("Source (encoder input)"), this);
    m_targetCaption = heading(tr("Target (optional; empty: the model generates)"), this);
    m_targetCaption->setWordWrap(true);
    m_target = makeEdit(this, QStringLiteral("targetEdit"), 2);
    m_target->setPlaceholderText(tr("The decoder's text, teacher-forced (leave empty to generate)"));
    m_target->setToolTip(tr("With a target the decoder reads it teacher-forced (its start token, then the target "
                            "shifted right); without one the model generates greedily and the views show the "
                            "pass over what it generated."));
    m_hint = new QLabel(this);
    m_hint->setWordWrap(true);
    setTextRole(m_hint, TextRole::Warning);
    m_hint->setVisible(false);
    m_strip = new TokenStrip(this);
    m_strip->setObjectName(QStringLiteral("tokenStrip"));
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(m_strip);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setMinimumHeight(m_strip->fontMetrics().height() * 3);
    scroll->setToolTip(tr("The tokens the model sees; click one to highlight its row and column"));
    m_predictions = new PredictionsPanel(this);
    m_predictions->setObjectName(QStringLiteral("predictionsPanel"));

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 4, 6, 4);
    layout->setSpacing(4);
    layout->addWidget(m_sourceCaption);
    layout->addWidget(m_text, 2);
    layout->addWidget(m_targetCaption);
    layout->addWidget(m_target, 1);
    layout->addWidget(m_pairBox);
    layout->addWidget(m_pair, 1);
    layout->addWidget(m_hint);
    layout->addSpacing(4);
    layout->addWidget(heading(tr("Tokens (click to highlight)"), this));
    layout->addWidget(scroll, 2);
    layout->addSpacing(4);
    layout->addWidget(m_predictions, 3);

    connect(m_text, &QPlainTextEdit::textChanged, this, [this] { emit textChanged(m_text->toPlainText()); });
    connect(m_pair, &QPlainTextEdit::textChanged, this, [this] { emit pairTextChanged(m_pair->toPlainText()); });
    connect(m_target, &QPlainTextEdit::textChanged, this, [this] { emit targetTextChanged(m_target->toPlainText()); });
    connect(m_pairBox, &QCheckBox::toggled, this, [this](bool on) {
        m_pair->setVisible(on);
        emit pairEnabledChanged(on);
    });
    setPairAvailable(false);
    setTargetAvailable(false);
}

QString InputPanel::targetText() const { return m_target->toPlainText(); }

void InputPanel::setTargetText(const QString& text) {
    if (text != m_target->toPlainText()) m_target->setPlainText(text);
}

void InputPanel::setTargetAvailable(bool available) {
    m_targetAvailable = available;
    m_sourceCaption->setVisible(available);
    m_targetCaption->setVisible(available);
    m_target->setVisible(available);
    m_text->setPlaceholderText(available ? tr("Type the source text, e.g. \u201ctranslate English to German: The house is wonderful.\u201d")
                                         : tr("Type a sentence: attention updates as you type"));
}

QString InputPanel::text() const { return m_text->toPlainText(); }

void InputPanel::setText(const QString& text) {
    if (text != m_text->toPlainText()) m_text->setPlainText(text);
}

QString InputPanel::pairText() const { return m_pair->toPlainText(); }

void InputPanel::setPairText(const QString& text) {
    if (text != m_pair->toPlainText()) m_pair->setPlainText(text);
}

void InputPanel::setPairAvailable(bool available) {
    m_pairBox->setVisible(available);
    m_pair->setVisible(available && m_pairBox->isChecked());
    if (!available && m_pairBox->isChecked()) m_pairBox->setChecked(false);
}

void InputPanel::setIdInput(bool ids, const QString& why) {
    m_text->setPlaceholderText(ids ? tr("Type token ids separated by spaces, e.g. 1 15 27")
                                   : tr("Type a sentence: attention updates as you type"));
    m_hint->setVisible(ids);
    // What to do, in the window's terms: bring the tokenizer, or type ids.
    m_hint->setText(ids ? tr("This model has no tokenizer attnviz can read (%1).\nTo type text, copy the tokenizer "
                             "files of the model it came from into its folder and open it again (File > Open Model "
                             "Folder). Until then, type token ids.")
                              .arg(why)
                        : QString());
}

void InputPanel::setTraceMode(const QString& traceText, const QString& why) {
    const bool on = !why.isEmpty();
    if (on == m_traceMode && !on) return;
    {
        const QSignalBlocker block(m_text);
        if (on && !m_traceMode) m_typedText = m_text->toPlainText();
        m_text->setPlainText(on ? traceText : m_typedText);
    }
    m_traceMode = on;
    m_text->setReadOnly(on);
    m_text->setToolTip(on ? why : QString());
    m_pairBox->setEnabled(!on);
    m_hint->setVisible(on);
    m_hint->setText(on ? why : QString());
    m_predictions->setEnabled(!on);
    m_predictions->setToolTip(on ? why : QString());
}

}  // namespace attnviz::ui
