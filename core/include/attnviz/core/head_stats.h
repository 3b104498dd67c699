// One number per (layer, head) that says what kind of head it is: how spread
// out (entropy), how far it looks (mean distance), whether it parks on the
// first token (sink), looks one back (previous token), at itself (diagonal),
// or copies after an earlier occurrence (induction, measured separately on a
// repeated random sequence: see induction.h).
//
//   std::vector<HeadStats> stats = computeHeadStats(trace);   // layer-major
//   double x = stats[0].value(HeadStatistic::PrevToken);      // NaN when undefined
#pragma once

#include "attnviz/core/attention_trace.h"
#include "attnviz/core/layer_mask.h"

#include <array>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz::core {

enum class HeadStatistic { Entropy, MeanDistance, Sink, PrevToken, Diagonal, Induction };

inline constexpr std::array<HeadStatistic, 6> kAllHeadStatistics = {
    HeadStatistic::Entropy, HeadStatistic::MeanDistance, HeadStatistic::Sink,
    HeadStatistic::PrevToken, HeadStatistic::Diagonal, HeadStatistic::Induction};

// "entropy", "mean_distance", "sink", "prev_token", "diagonal", "induction":
// the JSON keys, CSV columns and CLI names.
std::string_view statisticName(HeadStatistic statistic);
std::optional<HeadStatistic> statisticFromName(std::string_view name);
// "entropy, mean_distance, ...": every name, for messages.
std::string statisticNamesList();
// The definition, for tooltips and exports.
std::string_view statisticFormula(HeadStatistic statistic);

struct HeadStats {
    static constexpr double kUndefined = std::numeric_limits<double>::quiet_NaN();

    int layer = 0;
    int head = 0;
    double entropy = kUndefined;
    double meanDistance = kUndefined;
    double sink = kUndefined;
    double prevToken = kUndefined;   // NaN for a one-token sequence (no query has a previous token)
    double diagonal = kUndefined;
    double induction = kUndefined;   // NaN until measured (induction.h)

    double value(HeadStatistic statistic) const;
};

// The statistics of one (seqLen, seqLen) probability matrix, row = query,
// computed in double precision. Rows are all queries 0..seqLen-1.
double attentionEntropy(const float* probs, int seqLen);
double meanAttentionDistance(const float* probs, int seqLen);
double sinkAttention(const float* probs, int seqLen);
double previousTokenAttention(const float* probs, int seqLen);  // NaN when seqLen < 2
double diagonalAttention(const float* probs, int seqLen);

// The same statistics summed a block of rows at a time (rows in order from
// 0): what computeHeadStats() uses and a lazy trace folds in while each
// block of a head's rows is in hand, so both give the same bits. Each row is
// reduced with float vector arithmetic in aligned scratch (the bits do not
// depend on where the row lies) and added to double totals.

class HeadStatsAccumulator {
public:
    explicit HeadStatsAccumulator(int seqLen = 0) : m_seqLen(seqLen) {}
    // Rows [row0, row0 + n), (n, seqLen) row-major. With `mask`, only the
    // keys of each row's band are read (the others must be 0: an attention
    // kernel's rows under that mask without global tokens).
    void addRows(const float* rows, int row0, int n, const LayerMask* mask = nullptr);
    // Every statistic but induction (NaN).
    HeadStats result(int layer, int head) const;

private:
    int m_seqLen = 0;
    double m_entropy = 0.0;
    double m_distance = 0.0;
    double m_sink = 0.0;
    double m_prevToken = 0.0;
    double m_diagonal = 0.0;
};

// Every statistic except induction for every head, layer-major
// (index = layer * nHeads + head); induction is left NaN.
std::vector<HeadStats> computeHeadStats(const AttentionTrace& trace);

}  // namespace attnviz::core
