#include "plot/panel_columns.h"

#include <algorithm>

namespace attnviz::ui {

int panelColumnsFor(int n, QSize area) {
    if (area.width() < 100 || area.height() < 100) return n <= 4 ? n : (n + 1) / 2;
    int best = 1;
    double bestSide = 0;
    for (int c = 1; c <= n; ++c) {
        const int rows = (n + c - 1) / c;
        // Room per panel minus labels, titles and the colour scale.
        const double side = std::min((area.width() - 160.0) / c - 70.0, (area.height() - 80.0) / rows - 90.0);
        if (side > bestSide + 1) {
            bestSide = side;
            best = c;
        }
    }
    return best;
}

}  // namespace attnviz::ui
