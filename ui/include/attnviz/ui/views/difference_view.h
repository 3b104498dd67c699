// A signed difference A - B on a diverging colormap centred at 0, next to A
// and B: either one head under the chosen mask minus the same head under the
// model's own mask, or two heads of the comparison.
#pragma once

#include "attnviz/ui/plot/matrix.h"
#include "attnviz/ui/plot/plot_view.h"
#include "attnviz/ui/session/head_ref.h"
#include "attnviz/ui/session/latest_job.h"
#include "attnviz/ui/session/pinned_run.h"

#include <optional>

class QCPColorMap;

namespace attnviz::ui {

class DifferenceView : public PlotView {
    Q_OBJECT

public:
    enum class Source {
        MaskVsDefault,  // head under the chosen mask - same head under the model's mask
        TwoHeads,       // head A - head B, same run
        PinnedRun,      // the head in the live run - the same head in the pinned run
    };

    explicit DifferenceView(QWidget* parent = nullptr);
    ~DifferenceView() override;

    void setSource(Source source);
    Source source() const { return m_source; }
    // The head for MaskVsDefault.
    void setHead(HeadRef head);
    HeadRef head() const { return m_head; }
    // The heads for TwoHeads.
    void setHeads(HeadRef a, HeadRef b);
    HeadRef headA() const { return m_a; }
    HeadRef headB() const { return m_b; }

    // The run to compare the live one with (PinnedRun); null: none.
    void setPinned(const attnviz::ui::PinnedRun* pinned);
    bool hasPinned() const { return m_pinned.has_value(); }
    // What was typed for the live result (its tokens' spans index it); set
    // before each setResult.
    void setLiveInput(const SessionInput& input);
    // The comparison drawn last (PinnedRun; null otherwise).
    std::shared_ptr<const RunComparison> comparison() const { return m_comparison; }

    // 0: A, 1: B, 2: A - B (null while the view shows a message).
    QCPColorMap* colorMap(int panel) const;

    QString viewName() const override { return QStringLiteral("difference"); }
    QSize figureSize() const override;
    std::optional<LabeledMatrix> csvMatrix() const override;

    // Panels per row: 3 (A, B, A - B side by side) or 2 (A and B above,
    // A - B below), whichever gives the larger panels in the view's area;
    // exports always use the row of three.
    int columns() const;

protected:
    void rebuild() override;
    void hover(const QPointF& pos) override;
    bool layoutOutdated() const override;

private:
    int wantedColumns() const;
    void buildLayout(int columns);
    // Source::PinnedRun; false when it shows a message instead.
    bool rebuildPinned();
    // The shared scale of A and B, the diverging scale of A - B centred at 0
    // and the panel titles; returns max |A - B|.
    float styleTriptych(const Matrix& a, const Matrix& b, const Matrix& diff, const QString& titleA, const QString& titleB);

    struct Impl;
    std::unique_ptr<Impl> d;
    Source m_source = Source::MaskVsDefault;
    std::optional<attnviz::ui::PinnedRun> m_pinned;
    SessionInput m_liveInput;
    std::shared_ptr<const RunComparison> m_comparison;
    // The pair being compared on the worker (null: none), and why the last
    // comparison failed.
    std::shared_ptr<const SessionResult> m_comparingLive;
    std::shared_ptr<const SessionResult> m_comparingPinned;
    QString m_compareError;
    LatestJob* m_compareJob = nullptr;
    HeadRef m_head;
    HeadRef m_a;
    HeadRef m_b{0, 1};
};

}  // namespace attnviz::ui
