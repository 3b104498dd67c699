// Every layer x head as a thumbnail in one plot on one colour scale, with the
// mean over each layer's heads as an extra column. Click a thumbnail to open
// that head; Ctrl+click adds it to the comparison.
#pragma once

#include "attnviz/ui/plot/plot_view.h"
#include "attnviz/ui/session/head_ref.h"

class QCPColorMap;

namespace attnviz::ui {

class HeadGridView : public PlotView {
    Q_OBJECT

public:
    // Thumbnails of longer inputs show block means of at most this many cells a side.
    static constexpr int kMaxThumbnailCells = 96;

    explicit HeadGridView(QWidget* parent = nullptr);
    ~HeadGridView() override;

    // Outlines the head the head view shows.
    void setCurrentHead(HeadRef head);
    HeadRef currentHead() const { return m_current; }

    // The thumbnail of (layer, head); head -1 is the layer-mean column.
    QCPColorMap* colorMap(HeadRef head) const;
    HeadRef headAt(const QPointF& pos, bool* ok) const;

    QString viewName() const override { return QStringLiteral("overview"); }
    QSize figureSize() const override;

signals:
    void headActivated(attnviz::ui::HeadRef head);
    void headAddedToCompare(attnviz::ui::HeadRef head);
    // The thumbnail under the mouse ({-1, -1} when it leaves them).
    void headHovered(attnviz::ui::HeadRef head);

protected:
    void rebuild() override;
    void hover(const QPointF& pos) override;
    void click(const QPointF& pos, Qt::KeyboardModifiers modifiers) override;
    void clearHover() override;
    // The outline of the current head is a screen aid: exports leave it out.
    void beginExport() override;
    void endExport() override;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
    HeadRef m_current;
};

}  // namespace attnviz::ui
