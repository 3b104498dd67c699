// Matrix products whose every output element is one fixed-order sum, a
// function of the inner size alone, whatever the row count, the row's place
// among the others or the thread split: for W (k, n) the fused multiply-adds
// x[m][0] w[0][j], x[m][1] w[1][j], ... in order; for W (n, k) sixteen lanes
// of such chains, then added in order (exact_rows_gemm.cpp). BLAS rounds a row differently depending on the matrix
// size (OpenBLAS: 12-row tiles, tail and small-matrix kernels), so rows that
// must not depend on their neighbours go through here: prefix reuse
// (RowBlockedLinear, ops.h) recomputes only the rows after an edit and must
// match a fresh run bit for bit. Products of fewer than 256 rows on (in, out)
// weights go through here in every run, and a few rows on (out, in) ones,
// for speed: there is no packing step (an sgemm packs the whole weight
// matrix on every call, 26 ms for GPT-2 small's LM head at one row against
// 8 ms here). Small models keep their nn.Linear weights as (in, out) for this
// (WeightStore::transposesMatrices). Value norms go through here too, so
// prefix reuse can keep the kept rows' (attention_kernel.cpp).
#pragma once

namespace attnviz::core {

// Up to this many rows, a product is faster here than in sgemm.
inline constexpr int kSmallRowsMax = 8;

// y (rows, n) = x (rows, k) W with W (k, n) row-major (GPT-2's Conv1D).
void exactRowsTimesKN(const float* x, int rows, int k, const float* w, int n, float* y);
// The same with row strides: x's rows ldx floats apart, W's ldw, y's ldy.
void exactRowsTimesKN(const float* x, int ldx, int rows, int k, const float* w, int ldw, int n, float* y, int ldy);
// y (rows, n) = x (rows, k) W^T with W (n, k) row-major (nn.Linear).
void exactRowsTimesNK(const float* x, int rows, int k, const float* w, int n, float* y);
// The same with row strides.
void exactRowsTimesNK(const float* x, int ldx, int rows, int k, const float* w, int ldw, int n, float* y, int ldy);

}  // namespace attnviz::core
