// Scaled dot-product attention of one layer, all query heads, recording the
// probabilities (and on request the scores) into the trace.
#pragma once

#include "attnviz/core/attention_trace.h"
#include "attnviz/core/layer_mask.h"
#include "attnviz/core/ops.h"

namespace attnviz::core {

// Q, K and V of one layer inside row-major buffers: row t of head h starts at
// q + t * qStride + h * headDim (K and V likewise with their kv head).
struct QkvView {
    const float* q = nullptr;
    const float* k = nullptr;
    const float* v = nullptr;
    int qStride = 0;
    int kStride = 0;
    int vStride = 0;
    // q's row 0 holds query qFirstRow (a generation step keeps no old
    // queries: q holds the new rows only); k and v start at row 0.
    int qFirstRow = 0;
};

struct HeadLayout {
    int nHeads = 0;
    int nKvHeads = 0;   // query head h reads kv head h / (nHeads / nKvHeads)
    int headDim = 0;
    float scale = 1.0f; // multiplies QK^T
    // Gemma 2: scores become cap * tanh(scores / cap) after the scale and
    // before the mask; 0 = no cap.
    float softcap = 0.0f;
};

// context is resized to (seqLen, nHeads * headDim): each head's P V in its slot.
// The keys each query sees are the trace's layerMask(layer). Only the queries
// from trace.firstComputedRow() on are computed (their context rows written;
// the rows before are left unwritten), and the trace records the rows it
// holds (from trace.firstRow() on). When the trace records value norms,
// `outProjection` (nHeads headDim -> dModel) supplies each head's slice W_O^h.
void multiHeadAttention(const QkvView& qkv, int seqLen, const HeadLayout& layout, int layer,
                        AttentionTrace& trace, RowMatrix& context, const Linear* outProjection = nullptr);

// ||r_i W_O^h|| for every row r_i of `rows` (n, headDim): the size of what
// head h's slice of `out` (nHeads headDim -> dModel, bias excluded) makes of
// each row (value norms, a head's share of the block output). n floats. A
// row's norm does not depend on the other rows (exact_rows_gemm.h), so
// under exact prefix reuse multiHeadAttention takes the kept rows' norms
// from the last run (PrefixCache::keepNorms).
void headOutputNorms(const Eigen::Map<const RowMatrix, 0, Eigen::OuterStride<>>& rows, const Linear& out, int head,
                     int headDim, float* norms);

// The value norms ||v_j W_O^h|| of `layer` for every head h and key j <
// `keys`, into the trace (which must record them): v holds every head's
// values side by side (at least keys rows, nHeads headDim columns),
// `outProjection` maps nHeads headDim -> dModel.
void recordLayerValueNorms(const RowMatrix& v, int keys, const Linear& outProjection, int nHeads, int headDim,
                           int layer, AttentionTrace& trace);

}  // namespace attnviz::core
