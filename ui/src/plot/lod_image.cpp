#include "plot/lod_image.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>
#include <vector>

namespace attnviz::ui {
namespace {

// From here on a reduction uses a second thread (1024 x 1024 cells).
constexpr std::size_t kParallelCells = std::size_t{1} << 20;

}  // namespace

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
    std::vector<int> colStart(static_cast<std::size_t>(outCols) + 1);  // bin edges, in shown columns
    for (int b = 0; b <= outCols; ++b) colStart[b] = binStart(b, outCols, cols.count);  // from cols.first
    // Two sweeps per bin row: fold its rows into one value per column
    // (elementwise over contiguous memory, so vectorised), then fold each
    // column bin. At 4k x 4k cells the first sweep is bound by memory.
    const int span = cols.count;
    const float* values = m.values().data();
    const auto binRows = [&](int rbBegin, int rbEnd) {
        // Locals, not the captured references: the int counts written below
        // could otherwise alias them and stop the loops' vectorisation.
        const int width = span;
        const std::size_t stride = static_cast<std::size_t>(m.cols());
        std::vector<float> acc(static_cast<std::size_t>(span));  // Max: the largest finite value; Mean: the finite sum
        std::vector<int> n(static_cast<std::size_t>(span));      // Mean: how many finite values
        for (int rb = rbBegin; rb < rbEnd; ++rb) {
            const int r0 = rows.first + binStart(rb, outRows, rows.count);
            const int r1 = rows.first + binStart(rb + 1, outRows, rows.count);
            if (mode == LodMode::Max) {
                std::fill(acc.begin(), acc.end(), lowest);
                float* a = acc.data();
                for (int r = r0; r < r1; ++r) {
                    const float* row = values + static_cast<std::size_t>(r) * stride + cols.first;
                    // NaN compares false: masked cells never win.
                    for (int c = 0; c < width; ++c) a[c] = row[c] > a[c] ? row[c] : a[c];
                }
                for (int b = 0; b < outCols; ++b) {
                    float top = lowest;
                    for (int c = colStart[b]; c < colStart[b + 1]; ++c) top = a[c] > top ? a[c] : top;
                    out.at(rb, b) = top != lowest ? top : nan;
                }
            } else {
                std::fill(acc.begin(), acc.end(), 0.0f);
                std::fill(n.begin(), n.end(), 0);
                float* a = acc.data();
                int* k = n.data();
                for (int r = r0; r < r1; ++r) {
                    const float* row = values + static_cast<std::size_t>(r) * stride + cols.first;
                    for (int c = 0; c < width; ++c) {
                        const bool ok = row[c] == row[c];  // not NaN
                        a[c] += ok ? row[c] : 0.0f;
                        k[c] += ok ? 1 : 0;
                    }
                }
                for (int b = 0; b < outCols; ++b) {
                    double sum = 0.0;
                    int count = 0;
                    for (int c = colStart[b]; c < colStart[b + 1]; ++c) {
                        sum += a[c];
                        count += k[c];
                    }
                    out.at(rb, b) = count > 0 ? static_cast<float>(sum / count) : nan;
                }
            }
        }
    };
    // A large reduction (the zoomed-out image of thousands of tokens) on two
    // threads: each sweeps half of the bin rows, which roughly doubles the
    // memory bandwidth it gets.
    const std::size_t cells = static_cast<std::size_t>(rows.count) * static_cast<std::size_t>(cols.count);
    if (cells >= kParallelCells && outRows >= 2) {
        const int half = outRows / 2;
        std::thread first(binRows, 0, half);
        binRows(half, outRows);
        first.join();
    } else {
        binRows(0, outRows);
    }
    return out;
}

}  // namespace attnviz::ui
