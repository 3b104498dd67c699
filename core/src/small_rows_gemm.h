// Matrix products of a few rows (rows <= kSmallRowsMax) against a weight
// matrix, read straight from the weight store. A BLAS sgemm packs the whole
// weight matrix on every call, which for a few rows costs more than the
// product itself: GPT-2 small's LM head at one row took 26 ms in OpenBLAS's
// sgemm against 8-9 ms here. Each output element is one fixed-order sum
// over the inner dimension, whatever the row count or the thread split.
#pragma once

namespace attnviz::core {

inline constexpr int kSmallRowsMax = 8;

// y (rows, n) = x (rows, k) W with W (k, n) row-major (GPT-2's Conv1D).
void smallRowsTimesKN(const float* x, int rows, int k, const float* w, int n, float* y);
// y (rows, n) = x (rows, k) W^T with W (n, k) row-major (nn.Linear).
void smallRowsTimesNK(const float* x, int rows, int k, const float* w, int n, float* y);

}  // namespace attnviz::core
