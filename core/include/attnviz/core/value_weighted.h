// Value-weighted attention (Kobayashi et al. 2020): weights attention by the
// size of what each key actually passes on, N_lh[i][j] = a_ij * ||f_lh(x_j)||,
// from the per-key norms a run records with RunOptions::captureValueNorms.
//
//   RunOptions o; o.captureValueNorms = true;
//   auto trace = model->run(ids, o);
//   Result<RowMatrix> n = valueWeightedNorms(*trace, layer, head);
#pragma once

#include "attnviz/core/attention_trace.h"
#include "attnviz/core/ops.h"
#include "attnviz/core/result.h"

#include <string_view>

namespace attnviz::core {

inline constexpr std::string_view kValueWeightedFormula =
    "N_lh[i][j] = ||a_ij * f_lh(x_j)|| = a_ij * ||(x_j W_V^h + b_V^h) W_O^h||  (Kobayashi et al. 2020; "
    "x_j = the attention block's input after its LayerNorm/RMSNorm for pre-LN models (GPT-2, Llama), "
    "the layer input = the previous block's LayerNorm output for post-LN models (BERT family); "
    "W_O^h = head h's slice of the output projection, without its bias; GQA: W_V of the head's kv group)";
inline constexpr std::string_view kValueWeightedNormalizedFormula =
    "N'_lh[i][j] = N_lh[i][j] / sum_k N_lh[i][k]  (value-weighted norms with rows scaled to sum to 1; "
    "a row whose norms are all 0 stays 0)";

// (seqLen, seqLen). Errors when the trace was run without captureValueNorms.
Result<RowMatrix> valueWeightedNorms(const AttentionTrace& trace, int layer, int head);
Result<RowMatrix> valueWeightedNormsNormalized(const AttentionTrace& trace, int layer, int head);

}  // namespace attnviz::core
