// Every layer x head as a thumbnail in one plot on one colour scale, with the
// mean over each layer's heads as an extra column. Click a thumbnail to open
// that head; Ctrl+click adds it to the comparison. Large grids scroll (wheel,
// drag, scroll bars) and zoom (Ctrl+wheel, +/-, 0 resets); the layer and head
// labels sit on the plot area's edges, so they stay in view, thinned when
// the thumbnails are narrower than a label. Models with grouped-query
// attention can show their query heads grouped by KV head.
#pragma once

#include "attnviz/ui/plot/plot_view.h"
#include "attnviz/ui/session/head_ref.h"

#include <optional>

class QCPColorMap;
class QWheelEvent;
class QCPRange;

namespace attnviz::ui {

class HeadGridView : public PlotView {
    Q_OBJECT

public:
    // Thumbnails of longer inputs show the max (or mean) of blocks, at most this
    // many cells a side (a lazy trace's own thumbnails have as many).
    static constexpr int kMaxThumbnailCells = 96;
    // The default zoom fits the grid, with thumbnails of kMinThumbnailPx ..
    // kMaxThumbnailPx pixels (larger grids scroll); zooming spans kMinZoomPx .. kMaxZoomPx.
    static constexpr int kMinThumbnailPx = 48;
    static constexpr int kMaxThumbnailPx = 160;
    static constexpr int kMinZoomPx = 8;
    static constexpr int kMaxZoomPx = 480;

    explicit HeadGridView(QWidget* parent = nullptr);
    ~HeadGridView() override;

    // Outlines the head the head view shows.
    void setCurrentHead(HeadRef head);
    HeadRef currentHead() const { return m_current; }

    // The thumbnail of (layer, head); head -1 is the layer-mean column.
    QCPColorMap* colorMap(HeadRef head) const;
    HeadRef headAt(const QPointF& pos, bool* ok) const;

    // A thumbnail's side in pixels, as last laid out.
    double thumbnailPx() const;
    // Zooms by `factor` around `anchor` (a canvas position; default: the
    // plot's centre), and scrolls by thumbnails.
    void zoomBy(double factor, std::optional<QPointF> anchor = std::nullopt);
    void scrollBy(double columns, double rows);
    // The plot coordinates shown (a thumbnail is 1 wide, columnPosition() apart).
    QCPRange visibleColumns() const;
    QCPRange visibleRows() const;
    // Every how many columns (x) and layers (y) a label is drawn.
    QPoint labelSteps() const;

    // Grouped-query attention: the columns grouped by the KV head they read.
    bool groupByKvAvailable() const;
    bool groupByKv() const;
    void setGroupByKv(bool grouped);
    int kvHeadOf(int head) const;
    // The left edge of column `column` (nHeads: the mean column) and its label.
    double columnPosition(int column) const;
    QString columnLabel(int column) const;

    QString viewName() const override { return QStringLiteral("overview"); }
    QSize figureSize() const override;

signals:
    void headActivated(attnviz::ui::HeadRef head);
    void headAddedToCompare(attnviz::ui::HeadRef head);
    // The thumbnail under the mouse ({-1, -1} when it leaves them).
    void headHovered(attnviz::ui::HeadRef head);
    // The user switched the grouping by KV head.
    void groupByKvChanged(bool grouped);

protected:
    void rebuild() override;
    void hover(const QPointF& pos) override;
    void click(const QPointF& pos, Qt::KeyboardModifiers modifiers) override;
    void clearHover() override;
    void resetZoom() override;
    bool handleKey(QKeyEvent* event) override;
    // The outline of the current head is a screen aid: exports leave it out.
    void beginExport() override;
    void endExport() override;

private:
    // After each layout: the ranges for the zoom and scroll, the label
    // thinning and the scroll bars (true when something changed).
    bool fitView();
    void wheel(QWheelEvent* event);

    struct Impl;
    std::unique_ptr<Impl> d;
    HeadRef m_current;
};

}  // namespace attnviz::ui
