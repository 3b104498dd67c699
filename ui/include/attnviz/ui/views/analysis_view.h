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

struct AnalysisTask;
struct AnalysisOutcome;

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

    // True while the figure is computed off the GUI thread (attention flow
    // always; the others when they would stall the window: a lazy trace of
    // thousands of tokens recomputes every head they read). The view shows
    // progress and a Cancel button meanwhile and redraws when it is done.
    bool computing() const;
    // The cost (in float reads of an eager trace) above which a figure is
    // computed off the GUI thread; tests lower it.
    static void setBackgroundCost(double cost);

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
    void workButton() override;

private:
    // What the matrix call reads for the current kind.
    HeadRef matrixHead(int nLayers) const;
    void startJob(const AnalysisTask& task);
    void finishJob(core::Result<AnalysisOutcome> outcome);
    QString taskText(const AnalysisTask& task) const;
    QString jobText() const;

    static double s_backgroundCost;

    struct Impl;
    std::unique_ptr<Impl> d;
    AnalysisKind m_kind = AnalysisKind::Rollout;
    HeadRef m_head;
    int m_rolloutLast = -1;
};

}  // namespace attnviz::ui
