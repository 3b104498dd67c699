#include "attnviz/core/head_search.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstddef>

namespace attnviz::core {

namespace {

// sum_k p_k log2(p_k / m_k) over p_k > 0 (0 log 0 = 0; m_k >= p_k / 2 > 0 there).
double klToMixture(const float* p, const float* q, int n) {
    double kl = 0.0;
    for (int k = 0; k < n; ++k) {
        if (p[k] <= 0.0f) continue;
        const double pk = p[k];
        const double mk = 0.5 * (pk + static_cast<double>(q[k]));
        kl += pk * std::log2(pk / mk);
    }
    return kl;
}

// Stable order of equal values: by (layer, head).
bool headOrder(const HeadScore& a, const HeadScore& b) { return a.layer != b.layer ? a.layer < b.layer : a.head < b.head; }

}  // namespace

double jensenShannonDivergence(const float* p, const float* q, int n) {
    const double jsd = 0.5 * klToMixture(p, q, n) + 0.5 * klToMixture(q, p, n);
    // Rounding can push identical rows a hair below 0 and disjoint ones above 1.
    return std::clamp(jsd, 0.0, 1.0);
}

double headSimilarity(const AttentionTrace& trace, int layerA, int headA, int layerB, int headB) {
    const int T = trace.seqLen();
    assert(T > 0);
    const HeadMatrix heldA = trace.headProbs(layerA, headA);
    const HeadMatrix heldB = trace.headProbs(layerB, headB);
    const float* a = heldA.data();  // (seqLen, seqLen)
    const float* b = heldB.data();  // (seqLen, seqLen)
    double total = 0.0;
    for (int i = 0; i < T; ++i) {
        const std::size_t offset = static_cast<std::size_t>(i) * T;
        total += jensenShannonDivergence(a + offset, b + offset, T);
    }
    return 1.0 - total / T;
}

std::vector<HeadScore> rankHeadsBySimilarity(const AttentionTrace& trace, int layer, int head,
                                             const AnalysisControl& control) {
    std::vector<HeadScore> out;
    const std::size_t heads = static_cast<std::size_t>(trace.nLayers()) * trace.nHeads();
    out.reserve(heads);
    for (int l = 0; l < trace.nLayers(); ++l) {
        for (int h = 0; h < trace.nHeads() && !control.cancelled(); ++h) {
            out.push_back({l, h, headSimilarity(trace, layer, head, l, h)});
            control.progress(static_cast<double>(out.size()) / static_cast<double>(heads));
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const HeadScore& a, const HeadScore& b) { return a.value > b.value; });
    return out;
}

std::vector<HeadScore> rankHeadsByStatistic(std::span<const HeadStats> stats, HeadStatistic statistic,
                                            SortOrder order) {
    std::vector<HeadScore> out;
    out.reserve(stats.size());
    for (const HeadStats& s : stats) out.push_back({s.layer, s.head, s.value(statistic)});
    std::sort(out.begin(), out.end(), [order](const HeadScore& a, const HeadScore& b) {
        const bool aNan = std::isnan(a.value), bNan = std::isnan(b.value);
        if (aNan != bNan) return bNan;  // defined values first
        if (!aNan && a.value != b.value) return order == SortOrder::Descending ? a.value > b.value : a.value < b.value;
        return headOrder(a, b);
    });
    return out;
}

}  // namespace attnviz::core
