#include "plot/triptych_layout.h"

#include "plot/heatmap_panels.h"
#include "plot/panel_columns.h"
#include "plot/qcp_style.h"
#include "plot/stretch.h"

namespace attnviz::ui {

int triptychColumns(QSize area) { return panelColumnsFor(3, area) >= 3 ? 3 : 2; }

TriptychScales buildTriptych(QCustomPlot* plot, QCPLayoutGrid* body, HeatmapPanels& panels, QCPMarginGroup* margins,
                             int columns, const QString& pairLabel, const QString& thirdLabel) {
    body->clear();
    panels.clear();
    const auto scale = [&](const QString& label) {
        QCPColorScale* s = makeColorScale(plot, label);
        s->setMarginGroup(QCP::msTop | QCP::msBottom, margins);
        return s;
    };
    const auto panel = [&](QCPLayoutGrid* grid, int row, int col) {
        HeatmapPanel* p = panels.add(plot, grid, row, col);
        p->axisRect()->setMarginGroup(QCP::msTop | QCP::msBottom, margins);
        p->axisRect()->axis(QCPAxis::atLeft)->setTickLabels(col == 0);
        return p;
    };
    // Spacers left and right take what the square panels leave, so the
    // figure stays centred.
    auto* grid = new QCPLayoutGrid;
    grid->setColumnSpacing(columns == 3 ? 4 : 18);
    grid->setRowSpacing(12);
    body->addElement(0, 0, makeSpacer(plot));
    body->addElement(0, 1, grid);
    body->addElement(0, 2, makeSpacer(plot));
    body->setColumnStretchFactors(stretchFactors({Stretch::Margin, Stretch::Fill, Stretch::Margin}));
    TriptychScales scales{scale(pairLabel), scale(thirdLabel)};
    if (columns == 3) {
        // 0  1  |pair|  2  |third|
        panel(grid, 0, 0);
        panel(grid, 0, 1);
        grid->addElement(0, 2, scales.pair);
        panel(grid, 0, 3);
        grid->addElement(0, 4, scales.third);
        grid->setColumnStretchFactors(stretchFactors(
            {Stretch::Fill, Stretch::Fill, Stretch::Fixed, Stretch::Fill, Stretch::Fixed}));
    } else {
        // 0  1  |pair|
        // 2  |third|
        // The third panel's scale sits in the second column, at its left edge.
        panel(grid, 0, 0);
        panel(grid, 0, 1);
        grid->addElement(0, 2, scales.pair);
        panel(grid, 1, 0);
        auto* cell = new QCPLayoutGrid;
        cell->addElement(0, 0, scales.third);
        cell->addElement(0, 1, makeSpacer(plot));
        cell->setColumnStretchFactors(stretchFactors({Stretch::Fixed, Stretch::Fill}));
        grid->addElement(1, 1, cell);
        grid->setColumnStretchFactors(stretchFactors({Stretch::Fill, Stretch::Fill, Stretch::Fixed}));
    }
    return scales;
}

}  // namespace attnviz::ui
