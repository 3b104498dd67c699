// The attention of one layer of an encoder-decoder stack: queries and keys
// may differ in number (cross-attention: target rows over source columns;
// a generation step: one new row over every position so far), with an
// optional additive bias per head (T5's relative position bias).
#pragma once

#include "attnviz/core/layer_mask.h"
#include "attnviz/core/ops.h"

namespace attnviz::core {

struct AttentionInputs {
    const float* q = nullptr;  // (queries, nHeads headDim), row stride qStride
    const float* k = nullptr;  // (keys, nHeads headDim), row stride kStride
    const float* v = nullptr;  // (keys, nHeads headDim), row stride vStride
    int qStride = 0;
    int kStride = 0;
    int vStride = 0;
    int queries = 0;
    int keys = 0;
    int nHeads = 0;
    int headDim = 0;
    float scale = 1.0f;  // multiplies q . k (T5: 1, no scaling)
    // Position of query 0 among the keys: self-attention masks (causal,
    // window) compare positions; cross-attention has no mask.
    int firstQuery = 0;
    bool masked = false;  // apply `mask` (self-attention)
    LayerMask mask;
    const float* bias = nullptr;  // (nHeads, queries, keys) added to the scaled scores, or null
};

// probs (nHeads, queries, keys): post-softmax, masked entries exactly 0;
// scores (the same shape, or null): the scaled scores plus bias before the
// mask; context (queries, nHeads headDim) is resized. Returns false when a
// head's scores held NaN or Inf.
bool attendHeads(const AttentionInputs& in, float* probs, float* scores, RowMatrix& context);

// T5's relative position bias (HF _relative_position_bucket and
// compute_bias): bias[h][i][j] = table[bucket(j - (firstQuery + i))][h],
// table (buckets, nHeads). Bidirectional (encoder): half the buckets for
// keys after the query; causal (decoder): only keys at or before it.
void t5PositionBias(const float* table, int buckets, int maxDistance, int nHeads, bool bidirectional, int firstQuery,
                    int queries, int keys, std::vector<float>& bias);
// The bucket of relative position `relative` (key - query).
int t5RelativeBucket(int relative, bool bidirectional, int buckets, int maxDistance);

}  // namespace attnviz::core
