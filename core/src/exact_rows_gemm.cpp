#include "exact_rows_gemm.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include <omp.h>

namespace attnviz::core {

namespace {

constexpr int kTile = 64;     // output columns of a tile: four 16-float vectors
constexpr int kKBlock = 256;  // inner indices per pass: a (kKBlock, kTile) weight block stays in L2
constexpr int kRowGroup = 6;  // rows per pass: 6 x 4 vector accumulators fit the 32 AVX-512 registers
constexpr int kLanes = 16;    // inner-index lanes of the (n, k) kernel
// Up to kStreamRows rows, W is read kStreamK whole rows at a time
// (exactRowsTimesKN): 16 rows of Llama-1B-sized products went from 62-65 to
// 76-78 GFLOP/s on one thread, weights read from memory.
constexpr int kStreamRows = 24;
constexpr int kStreamK = 128;
// ... and the weight block kPrefetchAhead tiles further on is prefetched
// while a tile is computed, a row of it every few inner indices. The first
// row group of a tile otherwise waits on memory and the others do not
// use it: 16-row Llama-1B-sized products went from 93-101 to 116-142
// GFLOP/s on one thread and from 168-200 to 200-255 on two (weights
// 64-byte aligned, read from memory; 2 tiles ahead beat 1 and 4).
constexpr int kPrefetchAhead = 2;

// The weight block a tile prefetches (w null: none), its rows ldw apart;
// the tile takes every `every`-th row of it from `phase` on (one row group
// of `every`).
struct Prefetch {
    const float* w = nullptr;
    int ldw = 0;
    int phase = 0;
    int every = 1;
};

// Enough work to wake the second thread (about 1 MFLOP), and not inside
// another parallel construct, even one that runs on one thread (`if`
// false): libgomp starts new threads for every nested team.
bool worthThreads(int rows, int k, int n) {
    return static_cast<long long>(rows) * k * n >= (1LL << 19) && omp_get_level() == 0;
}

// MR rows of y[:, 0, width) += x[:, i0, i1) w[i0, i1) over one weight block
// (w points at row i0 of the block, rows ldw apart). The accumulators start
// from y (0 for the first block), so splitting the inner index into blocks
// leaves each element's chain of fused multiply-adds unchanged.
template <int MR>
void tile(const float* x, int ldx, int i0, int i1, const float* w, int ldw, int width, float* y, int ldy,
          const Prefetch& ahead) {
    alignas(64) float acc[MR][kTile];  // (MR, kTile)
    if (width == kTile) {
        for (int m = 0; m < MR; ++m) {
            const float* ym = y + static_cast<std::ptrdiff_t>(m) * ldy;
#pragma omp simd
            for (int j = 0; j < kTile; ++j) acc[m][j] = i0 == 0 ? 0.0f : ym[j];
        }
        int nextPrefetch = ahead.w != nullptr ? i0 + ahead.phase : i1;
        for (int i = i0; i < i1; ++i) {
            const float* wr = w + static_cast<std::ptrdiff_t>(i - i0) * ldw;
            if (i == nextPrefetch) {
                // One tile row: four cache lines (a hint; it cannot fault).
                const float* p = ahead.w + static_cast<std::ptrdiff_t>(i - i0) * ahead.ldw;
                for (int j = 0; j < kTile; j += 16) __builtin_prefetch(p + j, 0, 3);
                nextPrefetch += ahead.every;
            }
            for (int m = 0; m < MR; ++m) {
                const float xv = x[static_cast<std::ptrdiff_t>(m) * ldx + i];
#pragma omp simd
                for (int j = 0; j < kTile; ++j) acc[m][j] = std::fma(xv, wr[j], acc[m][j]);
            }
        }
        // Stored by vector loops, not a copy call per row (3% of a
        // Llama-1B pass went to memmove).
        for (int m = 0; m < MR; ++m) {
            float* ym = y + static_cast<std::ptrdiff_t>(m) * ldy;
#pragma omp simd
            for (int j = 0; j < kTile; ++j) ym[j] = acc[m][j];
        }
        return;
    }
    for (int m = 0; m < MR; ++m) {
        for (int j = 0; j < width; ++j) acc[m][j] = i0 == 0 ? 0.0f : y[static_cast<std::ptrdiff_t>(m) * ldy + j];
    }
    for (int i = i0; i < i1; ++i) {
        const float* wr = w + static_cast<std::ptrdiff_t>(i - i0) * ldw;
        for (int m = 0; m < MR; ++m) {
            const float xv = x[static_cast<std::ptrdiff_t>(m) * ldx + i];
            for (int j = 0; j < width; ++j) acc[m][j] = std::fma(xv, wr[j], acc[m][j]);
        }
    }
    for (int m = 0; m < MR; ++m) std::copy_n(acc[m], width, y + static_cast<std::ptrdiff_t>(m) * ldy);
}

// Every row of y[:, n0, n0 + width) += x[:, i0, i1) times one weight block,
// in groups of at most kRowGroup rows made as even as they go (16 rows: 6,
// 5, 5; a last group of 4 left registers idle: 16-row products ran 10-15%
// faster balanced). Each row's sums are the same whatever its group.
// `prefetch` (null for none) is the block to prefetch meanwhile, laid out
// as w; the row groups share its rows.
void block(const float* x, int ldx, int rows, int i0, int i1, const float* w, int ldw, int width, float* y, int ldy,
           const float* prefetch = nullptr) {
    const int groups = (rows + kRowGroup - 1) / kRowGroup;
    int m = 0;
    for (int g = 0; g < groups; ++g) {
        const int size = (rows - m) / (groups - g);
        const float* xm = x + static_cast<std::ptrdiff_t>(m) * ldx;
        float* ym = y + static_cast<std::ptrdiff_t>(m) * ldy;
        const Prefetch ahead{prefetch, ldw, g, groups};
        switch (size) {
        case 6: tile<6>(xm, ldx, i0, i1, w, ldw, width, ym, ldy, ahead); break;
        case 5: tile<5>(xm, ldx, i0, i1, w, ldw, width, ym, ldy, ahead); break;
        case 4: tile<4>(xm, ldx, i0, i1, w, ldw, width, ym, ldy, ahead); break;
        case 3: tile<3>(xm, ldx, i0, i1, w, ldw, width, ym, ldy, ahead); break;
        case 2: tile<2>(xm, ldx, i0, i1, w, ldw, width, ym, ldy, ahead); break;
        default: tile<1>(xm, ldx, i0, i1, w, ldw, width, ym, ldy, ahead); break;
        }
        m += size;
    }
}

// MR rows x NR outputs [n0, n0 + NR) for W (n, k): the (n, k) layout reads
// along the inner index, so each element is summed in kLanes lanes (lane j
// takes the indices i = j mod kLanes in order), the lanes are added in order,
// then the indices past the last whole lane set.
template <int MR, int NR>
void tileNK(const float* x, int ldx, int k, const float* w, int ldw, int n0, float* y, int ldy) {
    alignas(64) float acc[MR][NR][kLanes] = {};  // (MR, NR, kLanes)
    const int body = k / kLanes * kLanes;
    for (int i = 0; i < body; i += kLanes) {
        for (int c = 0; c < NR; ++c) {
            const float* wr = w + static_cast<std::ptrdiff_t>(n0 + c) * ldw + i;
            for (int m = 0; m < MR; ++m) {
                const float* xr = x + static_cast<std::ptrdiff_t>(m) * ldx + i;
#pragma omp simd
                for (int j = 0; j < kLanes; ++j) acc[m][c][j] = std::fma(xr[j], wr[j], acc[m][c][j]);
            }
        }
    }
    for (int m = 0; m < MR; ++m) {
        for (int c = 0; c < NR; ++c) {
            float s = 0.0f;
            for (int j = 0; j < kLanes; ++j) s += acc[m][c][j];
            const float* wr = w + static_cast<std::ptrdiff_t>(n0 + c) * ldw;
            const float* xr = x + static_cast<std::ptrdiff_t>(m) * ldx;
            for (int i = body; i < k; ++i) s = std::fma(xr[i], wr[i], s);
            y[static_cast<std::ptrdiff_t>(m) * ldy + n0 + c] = s;
        }
    }
}

// MR rows x the outputs [n0, min(n0 + NR, c1)): one tile when there are NR.
template <int MR, int NR>
void tilesNK(bool full, const float* x, int ldx, int k, const float* w, int ldw, int n0, int c1, float* y, int ldy) {
    if (full) tileNK<MR, NR>(x, ldx, k, w, ldw, n0, y, ldy);
    else for (int c = n0; c < c1; ++c) tileNK<MR, 1>(x, ldx, k, w, ldw, c, y, ldy);
}

}  // namespace

void exactRowsTimesKN(const float* x, int rows, int k, const float* w, int n, float* y) {
    exactRowsTimesKN(x, k, rows, k, w, n, n, y, n);
}

void exactRowsTimesKN(const float* x, int ldx, int rows, int k, const float* w, int ldw, int n, float* y, int ldy) {
    if (rows <= 0 || n <= 0) return;
    if (k <= 0) {
        for (int m = 0; m < rows; ++m) std::fill_n(y + static_cast<std::ptrdiff_t>(m) * ldy, n, 0.0f);
        return;
    }
    const int tiles = (n + kTile - 1) / kTile;
    if (rows <= kStreamRows) {
        // Few rows use each weight a few times only, so the time goes to
        // reading W: whole rows of it in order, kStreamK at a time (one
        // contiguous range per thread, which memory streams fastest), the
        // partial sums waiting in y between blocks. Each thread keeps its
        // tiles for every block.
#pragma omp parallel if (worthThreads(rows, k, n))
        {
            const int threads = omp_get_num_threads(), thread = omp_get_thread_num();
            const int t0 = tiles * thread / threads, t1 = tiles * (thread + 1) / threads;
            for (int i0 = 0; i0 < k; i0 += kStreamK) {
                const int i1 = std::min(k, i0 + kStreamK);
                for (int t = t0; t < t1; ++t) {
                    const int n0 = t * kTile;
                    // The block kPrefetchAhead tiles on in this thread's
                    // order (tiles, then the next rows), when it is whole.
                    int pt = t + kPrefetchAhead, pi = i0;
                    if (pt >= t1) {
                        pt = t0 + (pt - t1);
                        pi = i1;
                    }
                    const bool whole = pi + (i1 - i0) <= k && pt < t1 && (pt + 1) * kTile <= n;
                    const float* ahead = whole ? w + static_cast<std::ptrdiff_t>(pi) * ldw + pt * kTile : nullptr;
                    block(x, ldx, rows, i0, i1, w + static_cast<std::ptrdiff_t>(i0) * ldw + n0, ldw,
                          std::min(kTile, n - n0), y + n0, ldy, ahead);
                }
            }
        }
        return;
    }
#pragma omp parallel for schedule(static) if (worthThreads(rows, k, n))
    for (int t = 0; t < tiles; ++t) {
        const int n0 = t * kTile;
        const int width = std::min(kTile, n - n0);
        for (int i0 = 0; i0 < k; i0 += kKBlock) {
            const int i1 = std::min(k, i0 + kKBlock);
            block(x, ldx, rows, i0, i1, w + static_cast<std::ptrdiff_t>(i0) * ldw + n0, ldw, width, y + n0, ldy);
        }
    }
}

void exactRowsTimesNK(const float* x, int rows, int k, const float* w, int n, float* y) {
    exactRowsTimesNK(x, k, rows, k, w, k, n, y, n);
}

void exactRowsTimesNK(const float* x, int ldx, int rows, int k, const float* w, int ldw, int n, float* y, int ldy) {
    if (rows <= 0 || n <= 0) return;
    // Blocks of kNKColumns outputs (their weights stay in L2) times blocks of
    // kNKRows rows (in L1), in tiles of 4 rows x 4 outputs.
    constexpr int NR = 4, MR = 4, kNKColumns = 128, kNKRows = 8;
    const int blocks = (n + kNKColumns - 1) / kNKColumns;
#pragma omp parallel for schedule(static) if (worthThreads(rows, k, n))
    for (int b = 0; b < blocks; ++b) {
        const int c0 = b * kNKColumns;
        const int c1 = std::min(n, c0 + kNKColumns);
        for (int r0 = 0; r0 < rows; r0 += kNKRows) {
            const int r1 = std::min(rows, r0 + kNKRows);
            for (int n0 = c0; n0 < c1; n0 += NR) {
                const bool full = n0 + NR <= c1;
                int m = r0;
                for (; m + MR <= r1; m += MR) {
                    const float* xm = x + static_cast<std::ptrdiff_t>(m) * ldx;
                    float* ym = y + static_cast<std::ptrdiff_t>(m) * ldy;
                    tilesNK<MR, NR>(full, xm, ldx, k, w, ldw, n0, c1, ym, ldy);
                }
                if (m < r1) {
                    const float* xm = x + static_cast<std::ptrdiff_t>(m) * ldx;
                    float* ym = y + static_cast<std::ptrdiff_t>(m) * ldy;
                    switch (r1 - m) {
                    case 3: tilesNK<3, NR>(full, xm, ldx, k, w, ldw, n0, c1, ym, ldy); break;
                    case 2: tilesNK<2, NR>(full, xm, ldx, k, w, ldw, n0, c1, ym, ldy); break;
                    default: tilesNK<1, NR>(full, xm, ldx, k, w, ldw, n0, c1, ym, ldy); break;
                    }
                }
            }
        }
    }
}

}  // namespace attnviz::core
