#include "attnviz/core/head_stats.h"

#include "attnviz/core/induction.h"
#include "attnviz/core/lazy_attention.h"

#include "attnviz/core/aligned_buffer.h"

#include <Eigen/Core>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdlib>

namespace attnviz::core {

namespace {

struct StatisticInfo {
    HeadStatistic statistic;
    std::string_view name;
    std::string_view formula;
};

constexpr StatisticInfo kInfo[] = {
    {HeadStatistic::Entropy, "entropy",
     "entropy = (1/T) * sum_i ( -sum_j a_ij ln a_ij )  (nats, over the keys row i may see; 0 ln 0 = 0, so masked keys "
     "add nothing; a row with one visible key has entropy 0)"},
    {HeadStatistic::MeanDistance, "mean_distance",
     "mean_distance = (1/T) * sum_i sum_j a_ij |i - j|  (in tokens)"},
    {HeadStatistic::Sink, "sink", "sink = (1/T) * sum_i a_i0  (attention to the first token)"},
    {HeadStatistic::PrevToken, "prev_token",
     "prev_token = (1/(T-1)) * sum_{i>=1} a_{i,i-1}  (attention to the previous token; undefined (null) when T = 1)"},
    {HeadStatistic::Diagonal, "diagonal", "diagonal = (1/T) * sum_i a_ii  (attention of each token to itself)"},
    {HeadStatistic::Induction, "induction", kInductionFormula},
};

const StatisticInfo& info(HeadStatistic statistic) {
    for (const auto& i : kInfo) {
        if (i.statistic == statistic) return i;
    }
    std::abort();  // every enumerator is in kInfo
}

// Row i of a (seqLen, seqLen) row-major matrix.
const float* row(const float* probs, int seqLen, int i) { return probs + static_cast<std::size_t>(i) * seqLen; }

}  // namespace

std::string_view statisticName(HeadStatistic statistic) { return info(statistic).name; }

std::optional<HeadStatistic> statisticFromName(std::string_view name) {
    for (const auto& i : kInfo) {
        if (i.name == name) return i.statistic;
    }
    return std::nullopt;
}

std::string statisticNamesList() {
    std::string names;
    for (const auto& i : kInfo) names += (names.empty() ? "" : ", ") + std::string(i.name);
    return names;
}

std::string_view statisticFormula(HeadStatistic statistic) { return info(statistic).formula; }

double HeadStats::value(HeadStatistic statistic) const {
    switch (statistic) {
    case HeadStatistic::Entropy: return entropy;
    case HeadStatistic::MeanDistance: return meanDistance;
    case HeadStatistic::Sink: return sink;
    case HeadStatistic::PrevToken: return prevToken;
    case HeadStatistic::Diagonal: return diagonal;
    case HeadStatistic::Induction: return induction;
    }
    return kUndefined;
}

namespace {

// Every statistic of one whole matrix, by the one accumulator.
HeadStats matrixStats(const float* probs, int seqLen) {
    assert(seqLen > 0);
    HeadStatsAccumulator sums(seqLen);
    sums.addRows(probs, 0, seqLen);
    return sums.result(0, 0);
}

}  // namespace

double attentionEntropy(const float* probs, int seqLen) { return matrixStats(probs, seqLen).entropy; }
double meanAttentionDistance(const float* probs, int seqLen) { return matrixStats(probs, seqLen).meanDistance; }
double sinkAttention(const float* probs, int seqLen) { return matrixStats(probs, seqLen).sink; }
double previousTokenAttention(const float* probs, int seqLen) { return matrixStats(probs, seqLen).prevToken; }
double diagonalAttention(const float* probs, int seqLen) { return matrixStats(probs, seqLen).diagonal; }

void HeadStatsAccumulator::addRows(const float* rows, int row0, int n, const LayerMask* mask) {
    const int T = m_seqLen;
    thread_local AlignedVector<float> scratch;
    thread_local AlignedVector<float> distances;
    if (scratch.size() < static_cast<std::size_t>(T)) scratch.resize(static_cast<std::size_t>(T));
    if (distances.size() < static_cast<std::size_t>(T)) distances.resize(static_cast<std::size_t>(T));
    for (int r = 0; r < n; ++r) {
        const int i = row0 + r;
        const float* a = row(rows, T, r);
        // Keys outside [begin, end) hold 0 and add nothing to any sum.
        const auto [begin, end] = mask != nullptr ? mask->band(i, T) : std::pair<int, int>{0, T};
        const int width = end - begin;
        std::copy(a + begin, a + end, scratch.data());
        const Eigen::Map<const Eigen::ArrayXf, Eigen::Aligned64> p(scratch.data(), width);
        // 0 ln 0 = 0: masked keys and probabilities that underflowed.
        m_entropy -= static_cast<double>((p > 0.0f).select(p * p.log(), 0.0f).sum());
        for (int j = begin; j < end; ++j) distances[static_cast<std::size_t>(j - begin)] = static_cast<float>(std::abs(i - j));
        const Eigen::Map<const Eigen::ArrayXf, Eigen::Aligned64> d(distances.data(), width);
        m_distance += static_cast<double>((p * d).sum());
        m_sink += a[0];
        if (i >= 1) m_prevToken += a[i - 1];
        m_diagonal += a[i];
    }
}

HeadStats HeadStatsAccumulator::result(int layer, int head) const {
    HeadStats s;
    s.layer = layer;
    s.head = head;
    if (m_seqLen < 1) return s;
    s.entropy = m_entropy / m_seqLen;
    s.meanDistance = m_distance / m_seqLen;
    s.sink = m_sink / m_seqLen;
    s.prevToken = m_seqLen < 2 ? HeadStats::kUndefined : m_prevToken / (m_seqLen - 1);
    s.diagonal = m_diagonal / m_seqLen;
    return s;
}

std::vector<HeadStats> computeHeadStats(const AttentionTrace& trace) {
    if (trace.isLazy()) return trace.lazy()->allStats();
    std::vector<HeadStats> out;
    out.reserve(static_cast<std::size_t>(trace.nLayers()) * trace.nHeads());
    const int T = trace.seqLen();
    for (int l = 0; l < trace.nLayers(); ++l) {
        // The band a lazy trace reads too, so both give the same bits.
        const LayerMask mask = trace.layerMask(l);
        for (int h = 0; h < trace.nHeads(); ++h) {
            HeadStatsAccumulator sums(T);
            sums.addRows(trace.probs(l, h), 0, T, mask.globalTokens.empty() ? &mask : nullptr);  // (seqLen, seqLen)
            out.push_back(sums.result(l, h));
        }
    }
    return out;
}

}  // namespace attnviz::core
