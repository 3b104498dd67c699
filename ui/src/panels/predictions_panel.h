// What the model predicts for the text, so people can see it is real: the
// top-5 next tokens of a causal model, or the top-5 fillers of every mask
// token of a masked language model, with probabilities. Switched off, the
// session does not run the LM head at all.
#pragma once

#include "attnviz/ui/session/session_result.h"

#include <QWidget>

#include <memory>

class QCheckBox;
class QLabel;
class QTreeWidget;

namespace attnviz::ui {

class PredictionsPanel : public QWidget {
    Q_OBJECT

public:
    // Item data of a prediction row (children of a position's item).
    static constexpr int kIdRole = Qt::UserRole + 1;           // int token id
    static constexpr int kProbabilityRole = Qt::UserRole + 2;  // float probability

    explicit PredictionsPanel(QWidget* parent = nullptr);

    void setResult(std::shared_ptr<const SessionResult> result);
    // The user's choice to compute predictions (on by default).
    bool predictionsWanted() const;
    void setPredictionsWanted(bool wanted);

    QTreeWidget* tree() const { return m_tree; }
    // The note shown instead of (or above) the list ("" when none).
    QString message() const;

signals:
    void predictionsWantedChanged(bool wanted);
    // The example sentence for a masked model, when the user clicks it.
    void exampleRequested(const QString& text);

private:
    void rebuild();

    std::shared_ptr<const SessionResult> m_result;
    QCheckBox* m_enabled = nullptr;
    QLabel* m_message = nullptr;
    QTreeWidget* m_tree = nullptr;
    QString m_maskToken = QStringLiteral("[MASK]");
};

}  // namespace attnviz::ui
