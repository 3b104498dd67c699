// How many columns to lay n square heatmap panels out in, for the views whose
// layout follows the window (compare, difference).
#pragma once

#include <QSize>

namespace attnviz::ui {

// The number of columns that gives the largest square panels in `area`, with
// room for tick labels, titles and one colour scale. An unknown area (an
// export, or a widget not yet shown) gives the canonical layout: one row of up
// to four, else two rows.
int panelColumnsFor(int n, QSize area);

}  // namespace attnviz::ui
