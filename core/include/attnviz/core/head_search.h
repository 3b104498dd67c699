// Ranking heads: by how alike their attention patterns are ("find heads like
// this one") or by any head statistic. Ties keep (layer, head) order so
// rankings are stable across runs and platforms.
//
//   auto like = rankHeadsBySimilarity(trace, 2, 5);          // best first
//   auto prev = rankHeadsByStatistic(stats, HeadStatistic::PrevToken);
#pragma once

#include "attnviz/core/analysis_control.h"
#include "attnviz/core/attention_trace.h"
#include "attnviz/core/head_stats.h"

#include <span>
#include <string_view>
#include <vector>

namespace attnviz::core {

inline constexpr std::string_view kHeadSimilarityFormula =
    "similarity(A, B) = 1 - (1/T) * sum_i JSD(A[i], B[i]),  JSD(p, q) = 0.5 KL(p || m) + 0.5 KL(q || m), "
    "m = (p + q) / 2, logarithms base 2 (so JSD and similarity lie in [0, 1])";

struct HeadScore {
    int layer = 0;
    int head = 0;
    double value = 0.0;
};

enum class SortOrder { Descending, Ascending };

// Jensen-Shannon divergence of two distributions over n entries, in bits.
double jensenShannonDivergence(const float* p, const float* q, int n);

// kHeadSimilarityFormula between two heads of the same trace.
double headSimilarity(const AttentionTrace& trace, int layerA, int headA, int layerB, int headB);

// Every head of the trace (the reference itself included, with similarity 1)
// by similarity to (layer, head), most similar first. Cancelled through
// `control`, the ranking is incomplete: drop it.
std::vector<HeadScore> rankHeadsBySimilarity(const AttentionTrace& trace, int layer, int head,
                                             const AnalysisControl& control = {});

// Every entry of `stats` by `statistic`; NaN values (undefined or not
// measured) go last in either order.
std::vector<HeadScore> rankHeadsByStatistic(std::span<const HeadStats> stats, HeadStatistic statistic,
                                            SortOrder order = SortOrder::Descending);

}  // namespace attnviz::core
