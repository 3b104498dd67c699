// Level of detail for large heatmaps: the visible part of a matrix reduced to
// at most one value per screen pixel (the max or the mean of the cells each
// pixel covers), so a 4096 x 4096 head draws as a ~700 x 700 image and only
// the visible range is read.
#pragma once

#include "attnviz/ui/plot/matrix.h"

namespace attnviz::ui {

enum class LodMode { Max, Mean };

// Matrices with more rows or columns than this are drawn through an LOD image.
inline constexpr int kMinLodSide = 512;

// Cells first .. first + count - 1 of one axis.
struct CellSpan {
    int first = 0;
    int count = 0;
    friend bool operator==(const CellSpan&, const CellSpan&) = default;
};

// The first cell of bin `bin` when `count` cells are split into `bins` bins:
// bin b covers cells binStart(b) .. binStart(b + 1) - 1 (relative to the span).
int binStart(int bin, int bins, int count);

// Reduces rows `rows` x columns `cols` of `m` to (outRows, outCols) bins
// (each at most the span's count): the max or the mean of the finite cells
// in each bin; NaN (masked) cells are skipped, a bin of NaNs only is NaN
// (and, for the max, a bin of -inf only).
// (outRows, outCols) result; an empty matrix when a span is out of range.
Matrix reduceBlocks(const Matrix& m, CellSpan rows, CellSpan cols, int outRows, int outCols, LodMode mode);

// "max per pixel" / "mean per pixel".
const char* lodModeText(LodMode mode);

}  // namespace attnviz::ui
