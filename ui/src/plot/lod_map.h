// Draws a large matrix into a heatmap panel's QCPColorMap through a
// level-of-detail image: only the visible cells, reduced to at most one value
// per screen pixel, rebuilt when the visible range, the panel's pixel size or
// the reduction changes. Small matrices are drawn cell by cell as they are.
// When zoomed in, a minimap in the panel's corner shows the whole matrix and
// the visible part of it.
#pragma once

#include "attnviz/ui/plot/matrix.h"
#include "plot/lod_image.h"

#include <qcustomplot.h>

#include <QSize>
#include <QString>

namespace attnviz::ui {

class LodMap {
public:
    // The minimap's long side, in pixels, and the cells a side of its image.
    static constexpr int kMinimapSide = 120;

    // `matrix` is the panel's full matrix (read at every update, owned by the panel).
    LodMap(QCustomPlot* plot, QCPAxisRect* rect, QCPColorMap* map, const Matrix* matrix);

    // The panel's matrix changed: small ones are copied into the map now.
    void matrixChanged();
    void setMode(LodMode mode);
    LodMode mode() const { return m_mode; }
    // True while the matrix is drawn through the LOD image.
    bool active() const;

    // Rebuilds the image when the visible range, the pixel size or the mode
    // changed since the last build; true when it did.
    bool update();

    // What the last build shows: the visible cells and the image's size (bins).
    CellSpan shownRows() const { return m_rows; }
    CellSpan shownCols() const { return m_cols; }
    QSize imageSize() const { return m_image; }
    // "4096 x 4096 shown as 700 x 700 px, max per pixel" ("" while cells are drawn one by one).
    QString note() const;
    // True when the view shows part of the matrix (the minimap is shown).
    bool zoomed() const;
    QCPItemPixmap* minimap() const { return m_minimap; }

private:
    void updateMinimap();

    QCustomPlot* m_plot;
    QCPAxisRect* m_rect;
    QCPColorMap* m_map;
    const Matrix* m_matrix;
    QCPItemPixmap* m_minimap;
    LodMode m_mode = LodMode::Max;
    bool m_stale = true;
    CellSpan m_rows;
    CellSpan m_cols;
    QSize m_image;
    QSize m_pixels;
    Matrix m_overview;  // the whole matrix at minimap resolution (rows, cols)
    bool m_overviewStale = true;
};

}  // namespace attnviz::ui
