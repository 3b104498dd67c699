// What the attention block of one layer computed on the way to its
// probabilities, kept on request (RunOptions::captureLayers) so a view can
// show how any row comes about: the block's input after the norm, Q, K and V
// as they enter the dot product (and before the rotation for RoPE models),
// the model's scale rule, and where each head's output goes next.
// explainRow() turns one (head, query) of a capture into the computation as
// the notes write it: q . k_j, scaled, masked, softmax, sum_j a_j v_j.
#pragma once

#include "attnviz/core/attention_block.h"
#include "attnviz/core/attention_trace.h"
#include "attnviz/core/ops.h"
#include "attnviz/core/result.h"

#include <optional>
#include <string>
#include <vector>

namespace attnviz::core {

struct LayerCapture {
    int layer = -1;
    int nHeads = 0;
    int nKvHeads = 0;  // query head h reads kv head h / (nHeads / nKvHeads)
    int headDim = 0;
    int dModel = 0;
    // The rule the model applies to q . k_j, in this order:
    // scaled = softcap > 0 ? softcap * tanh(scale * s / softcap) : scale * s,
    // then + positionBias (T5 relative buckets, ALiBi) when present.
    float scale = 1.0f;
    float softcap = 0.0f;
    std::string scaleRule;  // how the model chose `scale`, e.g. "1/sqrt(d_head)", "none (T5)", "query_pre_attn_scalar = 256"

    RowMatrix x;        // (queries, dModel) the attention block's input after its norm (the residual stream for post-LN models)
    // Queries and keys are the same tokens in self-attention; in cross-
    // attention the queries are the target's rows and the keys the source's.
    RowMatrix q;        // (queries, nHeads headDim) as it enters the dot product (after RoPE, before the scale)
    RowMatrix k;        // (keys, nKvHeads headDim) likewise
    RowMatrix v;        // (keys, nKvHeads headDim)
    RowMatrix qBeforeRope;  // (seqLen, nHeads headDim); empty when the model has no rotary embedding
    RowMatrix kBeforeRope;  // (seqLen, nKvHeads headDim); likewise
    // Added to the scaled scores, (nHeads, queries * keys) row-major per
    // head; empty when the model adds none.
    RowMatrix positionBias;
    // Where the heads' outputs go next: the concatenation of every head's
    // sum_j a_j v_j, (seqLen, nHeads headDim); the attention block's output
    // after W_O (and its bias), (seqLen, dModel), which is added to the
    // residual stream; and ||o_i^h W_O^h|| per query i and head h,
    // (seqLen, nHeads): each head's share before the sum.
    RowMatrix context;
    RowMatrix blockOutput;
    RowMatrix headContributionNorms;
    std::string residualRule;  // e.g. "x + attention(norm(x))" (pre-LN) or "norm(x + attention(x))" (post-LN)
    // Queries whose row came from other projections (Longformer's global
    // tokens): explainRow refuses them, naming why.
    std::vector<int> unexplainedRows;
    std::string unexplainedReason;
};

// One query row of one head, step by step (self- or cross-attention).
struct ExplainedRow {
    int layer = 0;
    int head = 0;
    int query = 0;
    int kvHead = 0;
    int keys = 0;                  // seqLen; the source's length in cross-attention
    std::vector<float> x;          // (dModel)
    std::vector<float> q;          // (headDim) as it enters the dot product
    std::vector<float> k;          // (keys * headDim) row j = k_j
    std::vector<float> v;          // (keys * headDim) row j = v_j
    std::vector<float> qBeforeRope;  // (headDim) or empty
    std::vector<float> kBeforeRope;  // (keys * headDim) or empty
    std::vector<float> scores;       // (keys) q . k_j
    std::vector<float> scaled;       // (keys) the model's rule applied (scale, soft-cap, bias)
    std::vector<float> positionBias; // (keys) the bias added to the scaled score (T5), or empty
    std::vector<unsigned char> visible;  // (keys) 1 where the layer's mask lets the query see key j
    std::vector<float> probabilities;    // (keys) the trace's own row (masked entries 0)
    std::vector<float> output;           // (headDim) sum_j a_j v_j
    float scale = 1.0f;
    float softcap = 0.0f;
    std::string scaleRule;
};

// The row (head, query) of `capture`, with the probabilities taken from
// `trace` (which must hold that row). Errors name what is out of range.
Result<ExplainedRow> explainRow(const LayerCapture& capture, const AttentionTrace& trace, int head, int query);
// The same for a cross-attention capture: the query is a target row, the
// keys are the source tokens (none masked); probabilities from `cross`.
Result<ExplainedRow> explainCrossRow(const LayerCapture& capture, const AttentionBlock& cross, int head, int query);

// q * k_j elementwise, (keys * headDim) row j = key j: which dimensions drive
// a large score (bertviz's neuron view); each row sums to scores[j].
std::vector<float> queryKeyProducts(const ExplainedRow& row);

}  // namespace attnviz::core
