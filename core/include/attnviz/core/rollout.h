// Attention rollout (Abnar & Zuidema 2020): how much each token's input
// reaches each position after a stack of layers, treating the residual
// connection as half of every layer's mixing.
//
//   RowMatrix r = attentionRollout(trace);   // (seqLen, seqLen), rows sum to 1
#pragma once

#include "attnviz/core/analysis_control.h"
#include "attnviz/core/attention_trace.h"
#include "attnviz/core/ops.h"

#include <string_view>

namespace attnviz::core {

inline constexpr std::string_view kRolloutFormula =
    "R = B_{L-1} * ... * B_1 * B_0 with B_l = rownorm(0.5 * mean_h(A_lh) + 0.5 * I)  "
    "(Abnar & Zuidema 2020; row i of R: how much each input token j reaches position i; rows sum to 1)";

using DoubleMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// B_l of `layer`: (seqLen, seqLen) in double, rows sum to 1.
DoubleMatrix residualMixing(const AttentionTrace& trace, int layer, const AnalysisControl& control = {});

// R over layers 0..lastLayer (all layers when lastLayer < 0), computed in
// double precision. (seqLen, seqLen), row = query position, column = input token.
RowMatrix attentionRollout(const AttentionTrace& trace, int lastLayer = -1, const AnalysisControl& control = {});

}  // namespace attnviz::core
