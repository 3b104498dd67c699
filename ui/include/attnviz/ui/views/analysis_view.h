// One aggregate of the run as a heatmap (the head view's panel): attention
// rollout, attention flow, value-weighted norms (raw or row-normalised), or the mean / max
// over heads or layers. The figure carries the aggregate's formula under its
// title, and the hover tooltip repeats it.
#pragma once

#include "attnviz/ui/plot/plot_view.h"
#include "attnviz/ui/session/head_ref.h"
#include "attnviz/ui/views/analysis_kind.h"

class QCPColorMap;

namespace attnviz::ui {

class AnalysisView : public PlotView {
    Q_OBJECT

public:
    explicit AnalysisView(QWidget* parent = nullptr);
    ~AnalysisView() override;

    void setKind(AnalysisKind kind);
    AnalysisKind kind() const { return m_kind; }
    // The layer (mean/max over heads) or the layer and head (value norms).
    void setHead(HeadRef head);
    HeadRef head() const { return m_head; }
    // Rollout multiplies layers 0..lastLayer; -1: every layer.
    void setRolloutLastLayer(int lastLayer);
    int rolloutLastLayer() const { return m_rolloutLast; }

    // True while attention flow is being computed (off the GUI thread); the
    // view redraws when it is done.
    bool flowPending() const;

    // The heatmap (null while the view shows a message).
    QCPColorMap* colorMap() const;
    // The hover text of a shown cell.
    QString cellText(int row, int col) const;
    // The full tooltip of a cell: value, then the formula.
    QString cellToolTip(int row, int col) const;

    QString viewName() const override { return analysisKindName(m_kind); }
    QSize figureSize() const override;
    std::optional<LabeledMatrix> csvMatrix() const override;
    JsonContent jsonContent() const override { return JsonContent::Analysis; }

protected:
    void rebuild() override;
    void hover(const QPointF& pos) override;

private:
    // What the matrix call reads for the current kind.
    HeadRef matrixHead(int nLayers) const;
    float sharedMaximum(const SessionResult& result) const;
    void startFlow(const std::shared_ptr<const core::AttentionTrace>& trace, int lastLayer);

    struct Impl;
    std::unique_ptr<Impl> d;
    AnalysisKind m_kind = AnalysisKind::Rollout;
    HeadRef m_head;
    int m_rolloutLast = -1;
};

}  // namespace attnviz::ui
