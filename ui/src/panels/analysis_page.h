// The Aggregates tab: which aggregate to draw (each menu entry's tooltip is
// its formula) and, for rollout, how many layers, above the AnalysisView.
// The layer / head controls of the window pick the layer (mean and max over
// heads) and the head (value-weighted norms).
#pragma once

#include "attnviz/ui/views/analysis_kind.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QSpinBox;

namespace attnviz::ui {

class AnalysisView;

class AnalysisPage : public QWidget {
    Q_OBJECT

public:
    explicit AnalysisPage(QWidget* parent = nullptr);

    AnalysisView* view() const { return m_view; }
    QComboBox* kindCombo() const { return m_kind; }
    QSpinBox* rolloutSpin() const { return m_rolloutLayers; }
    void setKind(AnalysisKind kind);
    // Resets the rollout depth to every layer.
    void setLayerCount(int nLayers);

signals:
    void kindChanged(attnviz::ui::AnalysisKind kind);

private:
    void updateControls();

    AnalysisView* m_view = nullptr;
    QComboBox* m_kind = nullptr;
    QLabel* m_rolloutLabel = nullptr;
    QSpinBox* m_rolloutLayers = nullptr;
    QLabel* m_usesHead = nullptr;
};

}  // namespace attnviz::ui
