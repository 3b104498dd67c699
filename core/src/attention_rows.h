// The one routine that turns a head's queries and keys into probabilities,
// a block of query rows at a time. The forward pass (attention_kernel.cpp)
// and a lazy trace computing a head on request (lazy_attention.cpp) both go
// through it with the same blocks, so they give the same bits: BLAS rounds a
// row differently depending on the matrix size, so the blocks are fixed.
#pragma once

#include "attnviz/core/attention_kernel.h"
#include "attnviz/core/layer_mask.h"

namespace attnviz::core {

// Query rows are computed in blocks [first + b * kAttentionRowBlock, ...),
// the last one shorter.
inline constexpr int kAttentionRowBlock = 256;

// Multiply-adds of one layer's Q K^T below which the heads (or a lazy head's
// row blocks) run on one thread.
inline constexpr double kParallelAttentionWork = 1 << 20;

// Queries [row0, row0 + n) of one head: q points at query row0's slice of
// this head (row r + 1 at q + qStride), k at key 0's slice of its kv head.
// Writes the (n, seqLen) probabilities into `probs` (masked keys exactly 0)
// and, when `scores` is not null, the scaled (and soft-capped) scores before
// the mask into `scores` (n, seqLen). Returns false when a score is NaN or
// infinite. exactRows (prefix reuse): a block below kExactRowsEnd computes
// Q K^T with the exact kernel (exact_rows_gemm.h), so a row's scores do not
// depend on how many rows and keys the block has.
bool headProbabilityRows(const float* q, int qStride, const float* k, int kStride, int row0, int n, int seqLen,
                         const HeadLayout& layout, const LayerMask& mask, bool exactRows, float* probs, float* scores);

}  // namespace attnviz::core
