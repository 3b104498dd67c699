// Where the user types: the sentence, an optional second sentence for models
// with token types (BERT pairs), the tokens the model sees and what the
// model predicts.
#pragma once

#include <QWidget>

class QCheckBox;
class QLabel;
class QPlainTextEdit;

namespace attnviz::ui {

class PredictionsPanel;
class TokenStrip;

class InputPanel : public QWidget {
    Q_OBJECT

public:
    explicit InputPanel(QWidget* parent = nullptr);

    QString text() const;
    void setText(const QString& text);
    QString pairText() const;
    void setPairText(const QString& text);

    QString targetText() const;
    void setTargetText(const QString& text);
    // Encoder-decoder models: the text box is the source and a second box,
    // "Target (optional)", the decoder's text (empty: the model generates).
    void setTargetAvailable(bool available);
    bool isTargetAvailable() const { return m_targetAvailable; }
    QPlainTextEdit* targetEdit() const { return m_target; }

    // Shows the pair box only for models that take sentence pairs.
    void setPairAvailable(bool available);
    // Without a tokenizer the text box takes token ids.
    void setIdInput(bool ids, const QString& why);
    // A trace file is open (`why` non-empty): the text box shows its text,
    // read-only, and says why; the typed text comes back when it closes.
    void setTraceMode(const QString& traceText, const QString& why);
    bool isTraceMode() const { return m_traceMode; }
    // What the user typed (not a trace's text).
    QString typedText() const { return m_traceMode ? m_typedText : text(); }

    TokenStrip* tokenStrip() const { return m_strip; }
    PredictionsPanel* predictionsPanel() const { return m_predictions; }
    QPlainTextEdit* textEdit() const { return m_text; }

signals:
    void textChanged(const QString& text);
    void pairTextChanged(const QString& text);
    void pairEnabledChanged(bool enabled);
    void targetTextChanged(const QString& text);

private:
    QPlainTextEdit* m_text = nullptr;
    QPlainTextEdit* m_pair = nullptr;
    QCheckBox* m_pairBox = nullptr;
    QLabel* m_sourceCaption = nullptr;
    QLabel* m_targetCaption = nullptr;
    QPlainTextEdit* m_target = nullptr;
    bool m_targetAvailable = false;
    bool m_traceMode = false;
    QString m_typedText;  // the text typed before a trace was opened
    QLabel* m_hint = nullptr;
    TokenStrip* m_strip = nullptr;
    PredictionsPanel* m_predictions = nullptr;
};

}  // namespace attnviz::ui
