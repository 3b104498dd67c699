// Up to eight heads from any layers side by side on one colour scale;
// hovering a cell marks the same cell in every panel and lists all values.
#pragma once

#include "attnviz/ui/plot/plot_view.h"
#include "attnviz/ui/session/head_ref.h"

#include <vector>

class QCPColorMap;

namespace attnviz::ui {

class CompareView : public PlotView {
    Q_OBJECT

public:
    static constexpr int kMaxHeads = 8;

    explicit CompareView(QWidget* parent = nullptr);
    ~CompareView() override;

    // Heads outside the model are dropped; at most kMaxHeads are kept.
    void setHeads(const std::vector<HeadRef>& heads);
    const std::vector<HeadRef>& heads() const { return m_heads; }

    int panelCount() const;
    QCPColorMap* colorMap(int panel) const;
    // The values of every panel at a shown cell, as the hover shows them.
    QString cellText(int row, int col) const;

    QString viewName() const override { return QStringLiteral("compare"); }
    QSize figureSize() const override;

protected:
    void rebuild() override;
    void hover(const QPointF& pos) override;
    bool layoutOutdated() const override;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
    std::vector<HeadRef> m_heads;
};

}  // namespace attnviz::ui
