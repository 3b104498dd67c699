// Three square heatmap panels, the first two on one colour scale and the
// third on its own: side by side in one row, or (when the view is narrow)
// the first two above and the third below. The difference view (A, B,
// A - B) and the steps of the head view (scores, masked scores, softmax)
// share it.
#pragma once

#include <QSize>
#include <QString>

class QCustomPlot;
class QCPColorScale;
class QCPLayoutGrid;
class QCPMarginGroup;

namespace attnviz::ui {

class HeatmapPanels;

struct TriptychScales {
    QCPColorScale* pair = nullptr;   // of panels 0 and 1
    QCPColorScale* third = nullptr;  // of panel 2
};

// 3 (one row) or 2 (two rows), whichever gives the larger panels in `area`;
// an unknown area (an export) gives the row of three.
int triptychColumns(QSize area);

// Clears `body` and `panels` and lays out three new panels in `columns`
// (3 or 2) columns; the panels' top and bottom margins join `margins`. Only
// the panels in the first column keep their row labels.
TriptychScales buildTriptych(QCustomPlot* plot, QCPLayoutGrid* body, HeatmapPanels& panels, QCPMarginGroup* margins,
                             int columns, const QString& pairLabel, const QString& thirdLabel);

}  // namespace attnviz::ui
