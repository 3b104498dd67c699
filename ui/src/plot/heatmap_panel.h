// One matrix drawn as a heatmap inside a PlotCanvas: an axis rect with a
// QCPColorMap, token labels on both axes (row = query, y grows downwards),
// row/column highlight of a token and a hover marker. Views place one or
// more panels in their layout.
#pragma once

#include "attnviz/ui/plot/matrix.h"
#include "plot/lod_map.h"

#include <qcustomplot.h>

#include <QSharedPointer>
#include <QStringList>

#include <memory>
#include <vector>

namespace attnviz::ui {

class TokenTicker;

class HeatmapPanel {
public:
    // Creates the panel in cell (row, col) of `grid` (QCustomPlot wants the
    // axis rect in a layout before items are attached to it).
    HeatmapPanel(QCustomPlot* plot, QCPLayoutGrid* grid, int row, int col);

    QCPAxisRect* axisRect() const { return m_rect; }
    QCPColorMap* colorMap() const { return m_map; }

    // `labels` name the shown tokens; `tokenIndex` maps a shown row/column to
    // the token's index in the run (for highlights shared across views).
    void setData(const Matrix& matrix, const QStringList& labels, const std::vector<int>& tokenIndex);
    // A rectangular matrix (rows, cols): its own labels for the columns
    // (cross-attention: target rows, source columns). `colIndex` is the
    // column tokens' index in their own sequence; highlights follow the rows'.
    void setData(const Matrix& matrix, const QStringList& rowLabels, const std::vector<int>& rowIndex,
                 const QStringList& colLabels, const std::vector<int>& colIndex);
    const Matrix& matrix() const { return m_matrix; }
    // The row labels (and the column labels of a square matrix).
    const QStringList& labels() const { return m_labels; }
    const QStringList& colLabels() const { return m_colLabels; }
    // True when rows and columns are different token sequences.
    bool separateColumns() const { return m_separateColumns; }

    void setTitle(const QString& title);
    void setAxisTitles(bool show);
    // Other axis titles than query / key (cross-attention); "" hides one.
    void setAxisTitles(const QString& x, const QString& y);
    void setGradient(const QCPColorGradient& gradient);
    void setDataRange(double lower, double upper);
    void setColorScale(QCPColorScale* scale);

    // Label thinning for the current pixel size: true when a step changed.
    // Matrices drawn through the LOD image name their tokens only once every
    // kMaxLabelStep-th label fits; before that the axes show positions.
    bool fitLabels();
    static constexpr int kMaxLabelStep = 4;
    bool tokenLabelsShown() const { return m_tokenLabels; }
    // Large matrices: how a screen pixel sums up its cells, and the image
    // drawn for the visible range (rebuilt by fitLod after each layout).
    void setLodMode(LodMode mode) { m_lod->setMode(mode); }
    const LodMap& lod() const { return *m_lod; }
    bool fitLod() { return m_lod->update(); }
    // Keeps the cells square: caps the inner rect at (cols, rows) cells of the
    // largest side that fits.
    bool fitSquare();
    void clearSizeLimit();

    // The cell under a widget position (row = query, col = key).
    bool cellAt(const QPointF& pos, int* row, int* col) const;
    // The run token under a click: a cell's query, or a label on either axis (-1: none).
    int tokenAt(const QPointF& pos) const;
    int tokenOfRow(int row) const;
    // Highlights the row and column of run token `token` (-1: none).
    void setHighlightToken(int token);
    void setMarker(int row, int col);  // -1: none
    void resetZoom();
    void clampRanges();

    // "query 'cat' -> key 'sat': 0.4231"
    QString cellText(int row, int col) const;

private:
    QCustomPlot* m_plot;
    QCPAxisRect* m_rect;
    QCPColorMap* m_map;
    QSharedPointer<TokenTicker> m_xTicker;
    QSharedPointer<TokenTicker> m_yTicker;
    QCPItemRect* m_rowBand;
    QCPItemRect* m_colBand;
    QCPItemRect* m_marker;
    Matrix m_matrix;
    QStringList m_labels;
    std::vector<int> m_tokenIndex;
    QStringList m_colLabels;
    std::vector<int> m_colTokenIndex;
    bool m_separateColumns = false;
    QString m_title;  // unwrapped; the top axis holds it wrapped to the panel's width
    std::unique_ptr<LodMap> m_lod;
    QSharedPointer<QCPAxisTicker> m_positionTicker;  // token positions, while token labels would not be readable
    bool m_tokenLabels = true;
};

}  // namespace attnviz::ui
