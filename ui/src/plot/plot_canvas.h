// The QCustomPlot every view draws into. It runs the views' layout fixers
// after each layout pass (square heatmaps, label thinning) so that the screen,
// PNG, SVG and PDF all get the same figure, and renders at any size.
#pragma once

#include <qcustomplot.h>

#include <QImage>

#include <functional>

namespace attnviz::ui {

class PlotCanvas : public QCustomPlot {
    Q_OBJECT

public:
    explicit PlotCanvas(QWidget* parent = nullptr);

    // `reset` runs before a layout (drop size constraints); `fix` runs after
    // it and returns true when it changed constraints, so the layout runs again.
    void setLayoutHooks(std::function<void()> reset, std::function<bool()> fix);
    // Runs first in every layout pass, with the viewport already at the size
    // being drawn (screen or export): for text that wraps to the width.
    void setPrepareHook(std::function<void()> prepare);

    // The figure at `size` logical pixels, scaled by `scale` (hi-DPI).
    QImage renderImage(QSize size, double scale);
    // Vector output (SVG, PDF): draws into an active painter at `size`.
    void renderVector(QCPPainter* painter, QSize size);

    static QFont font(int pixelSize, bool bold = false);

protected:
    void updateLayout() override;

private:
    std::function<void()> m_reset;
    std::function<bool()> m_fix;
    std::function<void()> m_prepare;
    bool m_inLayout = false;
};

}  // namespace attnviz::ui
