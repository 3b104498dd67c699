// Attention summed up across heads and layers: the per-layer mean and max over
// heads and the mean over layers of the head means. Tools disagree on how to
// aggregate (sum, max-normalise, average logits), so each function has its
// formula next to it for tooltips and exports.
//
//   RowMatrix layer3 = meanOverHeads(trace, 3);   // (seqLen, seqLen), rows sum to 1
//   std::string_view tip = kMeanOverHeadsFormula;
#pragma once

#include "attnviz/core/analysis_control.h"
#include "attnviz/core/attention_trace.h"
#include "attnviz/core/ops.h"

#include <string_view>

namespace attnviz::core {

inline constexpr std::string_view kMeanOverHeadsFormula =
    "M_l[i][j] = (1/H) * sum_h A_lh[i][j]  (mean over the H heads of layer l; rows still sum to 1)";
inline constexpr std::string_view kMaxOverHeadsFormula =
    "X_l[i][j] = max_h A_lh[i][j]  (elementwise max over the H heads of layer l; rows do not sum to 1)";
inline constexpr std::string_view kMeanOverLayersFormula =
    "M[i][j] = (1/L) * sum_l (1/H) * sum_h A_lh[i][j]  (mean over the L layers of the head means)";

// (seqLen, seqLen) for layer `layer` of `trace`; row = query, column = key.
// Cancelled through `control`, they return an incomplete matrix.
RowMatrix meanOverHeads(const AttentionTrace& trace, int layer, const AnalysisControl& control = {});
RowMatrix maxOverHeads(const AttentionTrace& trace, int layer, const AnalysisControl& control = {});
// (seqLen, seqLen) over every layer of `trace`.
RowMatrix meanOverLayers(const AttentionTrace& trace, const AnalysisControl& control = {});

}  // namespace attnviz::core
