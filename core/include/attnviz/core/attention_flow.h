// Attention flow (Abnar & Zuidema 2020): rollout's layer graph read as a
// flow network. Node (l, t) is token t's state after layer l (l = 0: the
// input); the edge (l + 1, a) -> (l, b) carries at most B_l[a][b], the
// residual-mixed attention of rollout. Position i's flow from input token j
// is the most that can run from (L, i) to (0, j), the row then scaled to sum
// to 1. Unlike rollout, which multiplies the layers' mixtures, it takes the
// bottleneck path through them.
//
//   auto f = attentionFlow(trace);   // (seqLen, seqLen), rows sum to 1
#pragma once

#include "attnviz/core/analysis_control.h"
#include "attnviz/core/attention_trace.h"
#include "attnviz/core/ops.h"
#include "attnviz/core/result.h"

#include <atomic>
#include <string_view>

namespace attnviz::core {

inline constexpr std::string_view kAttentionFlowFormula =
    "F[i][j] = maxflow((L, i) -> (0, j)) / sum_k maxflow((L, i) -> (0, k)) in the graph of nodes (l, t), token t "
    "after layer l (l = 0: the input), with edges (l+1, a) -> (l, b) of capacity B_l[a][b], "
    "B_l = rownorm(0.5 * mean_h(A_lh) + 0.5 * I) as in rollout (Abnar & Zuidema 2020; rows sum to 1)";

// F over layers 0..lastLayer (all layers when lastLayer < 0), in double
// precision: (seqLen, seqLen), row = query position, column = input token.
// It solves seqLen^2 maximum-flow problems; `control` is polled between rows.
Result<RowMatrix> attentionFlow(const AttentionTrace& trace, int lastLayer = -1,
                                const AnalysisControl& control = {});

}  // namespace attnviz::core
