#include "plot/lod_image.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace attnviz::ui {

int binStart(int bin, int bins, int count) {
    return static_cast<int>(static_cast<long long>(bin) * count / bins);
}

const char* lodModeText(LodMode mode) { return mode == LodMode::Max ? "max per pixel" : "mean per pixel"; }

Matrix reduceBlocks(const Matrix& m, CellSpan rows, CellSpan cols, int outRows, int outCols, LodMode mode) {
    if (rows.first < 0 || cols.first < 0 || rows.count <= 0 || cols.count <= 0 ||
        rows.first + rows.count > m.rows() || cols.first + cols.count > m.cols() || outRows <= 0 || outCols <= 0) {
        return {};
    }
    outRows = std::min(outRows, rows.count);
    outCols = std::min(outCols, cols.count);
    Matrix out(outRows, outCols);  // (outRows, outCols)
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float lowest = -std::numeric_limits<float>::infinity();
    std::vector<int> colStart(static_cast<std::size_t>(outCols) + 1);  // bin edges, in matrix columns
    for (int b = 0; b <= outCols; ++b) colStart[b] = cols.first + binStart(b, outCols, cols.count);
    std::vector<float> peak(static_cast<std::size_t>(outCols));  // Max: the largest finite value so far
    std::vector<double> sum(static_cast<std::size_t>(outCols));  // Mean: the sum of the finite values
    std::vector<int> finite(static_cast<std::size_t>(outCols));  // Mean: how many there were
    const float* values = m.values().data();
    for (int rb = 0; rb < outRows; ++rb) {
        const int r0 = rows.first + binStart(rb, outRows, rows.count);
        const int r1 = rows.first + binStart(rb + 1, outRows, rows.count);
        std::fill(peak.begin(), peak.end(), lowest);
        std::fill(sum.begin(), sum.end(), 0.0);
        std::fill(finite.begin(), finite.end(), 0);
        for (int r = r0; r < r1; ++r) {
            const float* row = values + static_cast<std::size_t>(r) * m.cols();
            for (int b = 0; b < outCols; ++b) {
                const int c0 = colStart[b];
                const int c1 = colStart[b + 1];
                if (mode == LodMode::Max) {
                    // NaN compares false: masked cells never win.
                    float a = peak[b];
                    for (int c = c0; c < c1; ++c) a = row[c] > a ? row[c] : a;
                    peak[b] = a;
                } else {
                    float s = 0.0f;
                    int n = 0;
                    for (int c = c0; c < c1; ++c) {
                        const float v = row[c];
                        if (!std::isnan(v)) {
                            s += v;
                            ++n;
                        }
                    }
                    sum[b] += s;
                    finite[b] += n;
                }
            }
        }
        for (int b = 0; b < outCols; ++b) {
            float v = nan;
            if (mode == LodMode::Max) {
                if (peak[b] != lowest) v = peak[b];
            } else if (finite[b] > 0) {
                v = static_cast<float>(sum[b] / finite[b]);
            }
            out.at(rb, b) = v;
        }
    }
    return out;
}

}  // namespace attnviz::ui
