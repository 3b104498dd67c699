#include "small_rows_gemm.h"

#include <algorithm>
#include <cstddef>

namespace attnviz::core {

namespace {

constexpr int kTile = 64;  // output columns per tile of the (k, n) kernel
constexpr int kLanes = 16; // inner-dimension stride of the (n, k) kernel

// Enough work to wake the second thread: about 1 MFLOP.
bool worthThreads(int rows, int k, int n) {
    return static_cast<long long>(rows) * k * n >= (1LL << 19);
}

// MR rows of y[:, n0, n0 + kTile) for W (k, n); the full-width case, which
// the compiler keeps in vector registers.
template <int MR>
void tileKN(const float* x, int k, const float* w, int n, int n0, float* y) {
    alignas(64) float acc[MR][kTile] = {};  // (MR, kTile)
    for (int i = 0; i < k; ++i) {
        const float* wr = w + static_cast<std::ptrdiff_t>(i) * n + n0;
        for (int m = 0; m < MR; ++m) {
            const float xv = x[static_cast<std::ptrdiff_t>(m) * k + i];
#pragma omp simd
            for (int j = 0; j < kTile; ++j) acc[m][j] += xv * wr[j];
        }
    }
    for (int m = 0; m < MR; ++m) std::copy_n(acc[m], kTile, y + static_cast<std::ptrdiff_t>(m) * n + n0);
}

// One row of the last, narrower tile [n0, n0 + width).
void tailKN(const float* x, int k, const float* w, int n, int n0, int width, float* y) {
    alignas(64) float acc[kTile] = {};  // (width)
    for (int i = 0; i < k; ++i) {
        const float* wr = w + static_cast<std::ptrdiff_t>(i) * n + n0;
        for (int j = 0; j < width; ++j) acc[j] += x[i] * wr[j];
    }
    std::copy_n(acc, width, y + n0);
}

// MR rows x NR outputs [n0, n0 + NR) for W (n, k): lane-wise partial sums
// over the inner dimension, then each lane set summed in order, then the tail.
template <int MR, int NR>
void tileNK(const float* x, int k, const float* w, int n, int n0, float* y) {
    alignas(64) float acc[MR][NR][kLanes] = {};  // (MR, NR, kLanes)
    const int body = k / kLanes * kLanes;
    for (int i = 0; i < body; i += kLanes) {
        for (int c = 0; c < NR; ++c) {
            const float* wr = w + static_cast<std::ptrdiff_t>(n0 + c) * k + i;
            for (int m = 0; m < MR; ++m) {
                const float* xr = x + static_cast<std::ptrdiff_t>(m) * k + i;
#pragma omp simd
                for (int j = 0; j < kLanes; ++j) acc[m][c][j] += xr[j] * wr[j];
            }
        }
    }
    for (int m = 0; m < MR; ++m)
        for (int c = 0; c < NR; ++c) {
            float s = 0.0f;
            for (int j = 0; j < kLanes; ++j) s += acc[m][c][j];
            const float* wr = w + static_cast<std::ptrdiff_t>(n0 + c) * k;
            const float* xr = x + static_cast<std::ptrdiff_t>(m) * k;
            for (int i = body; i < k; ++i) s += xr[i] * wr[i];
            y[static_cast<std::ptrdiff_t>(m) * n + n0 + c] = s;
        }
}

}  // namespace

void smallRowsTimesKN(const float* x, int rows, int k, const float* w, int n, float* y) {
    const int tiles = (n + kTile - 1) / kTile;
#pragma omp parallel for schedule(static) if (worthThreads(rows, k, n))
    for (int t = 0; t < tiles; ++t) {
        const int n0 = t * kTile;
        const int width = std::min(kTile, n - n0);
        int m = 0;
        if (width == kTile) {
            for (; m + 4 <= rows; m += 4)
                tileKN<4>(x + static_cast<std::ptrdiff_t>(m) * k, k, w, n, n0, y + static_cast<std::ptrdiff_t>(m) * n);
            for (; m < rows; ++m)
                tileKN<1>(x + static_cast<std::ptrdiff_t>(m) * k, k, w, n, n0, y + static_cast<std::ptrdiff_t>(m) * n);
        } else {
            for (; m < rows; ++m)
                tailKN(x + static_cast<std::ptrdiff_t>(m) * k, k, w, n, n0, width,
                       y + static_cast<std::ptrdiff_t>(m) * n);
        }
    }
}

void smallRowsTimesNK(const float* x, int rows, int k, const float* w, int n, float* y) {
    constexpr int NR = 4;
    const int groups = (n + NR - 1) / NR;
#pragma omp parallel for schedule(static) if (worthThreads(rows, k, n))
    for (int g = 0; g < groups; ++g) {
        const int n0 = g * NR;
        const bool full = n0 + NR <= n;
        int m = 0;
        for (; m + 4 <= rows; m += 4) {
            const float* xm = x + static_cast<std::ptrdiff_t>(m) * k;
            float* ym = y + static_cast<std::ptrdiff_t>(m) * n;
            if (full) tileNK<4, NR>(xm, k, w, n, n0, ym);
            else for (int c = n0; c < n; ++c) tileNK<4, 1>(xm, k, w, n, c, ym);
        }
        for (; m < rows; ++m) {
            const float* xm = x + static_cast<std::ptrdiff_t>(m) * k;
            float* ym = y + static_cast<std::ptrdiff_t>(m) * n;
            if (full) tileNK<1, NR>(xm, k, w, n, n0, ym);
            else for (int c = n0; c < n; ++c) tileNK<1, 1>(xm, k, w, n, c, ym);
        }
    }
}

}  // namespace attnviz::core
