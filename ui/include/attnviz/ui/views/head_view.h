// One head as a heatmap: tokens on both axes (row = query), a colour scale,
// hover values, click-to-highlight, zoom and pan; optionally the steps that
// lead to it: raw scores QK^T/sqrt(d), masked scores, probabilities.
#pragma once

#include "attnviz/ui/plot/plot_view.h"
#include "attnviz/ui/session/head_ref.h"

class QCPColorMap;

namespace attnviz::ui {

class HeadView : public PlotView {
    Q_OBJECT

public:
    explicit HeadView(QWidget* parent = nullptr);
    ~HeadView() override;

    // Layer and head (0-based); head -1 shows the layer's mean. Clamped to the model.
    void setHead(HeadRef head);
    HeadRef head() const { return m_head; }
    void setShowSteps(bool show);
    bool showSteps() const { return m_showSteps; }

    // The probability map (the last panel when the steps are shown).
    QCPColorMap* colorMap() const;
    // With the steps shown: 0 raw scores, 1 masked scores, 2 probabilities.
    QCPColorMap* stepMap(int step) const;
    // The hover text of a shown cell of the probability panel.
    QString cellText(int row, int col) const;

    QString viewName() const override { return QStringLiteral("head"); }
    QSize figureSize() const override;
    std::optional<LabeledMatrix> csvMatrix() const override;

signals:
    // The user moved to another head with the keyboard.
    void headChanged(attnviz::ui::HeadRef head);

protected:
    void rebuild() override;
    void hover(const QPointF& pos) override;
    bool handleKey(QKeyEvent* event) override;
    bool layoutOutdated() const override;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
    HeadRef m_head;
    bool m_showSteps = false;
};

}  // namespace attnviz::ui
