// How much each head changed between two runs (pin and compare): the
// attention of each run between the aligned units (run_alignment.h), and
// the mean Jensen-Shannon divergence of their rows:
//
//   JSD(P, Q) = 1/2 KL(P || M) + 1/2 KL(Q || M),  M = (P + Q) / 2,
//   KL(P || M) = sum_k P_k ln(P_k / M_k)   (natural log: 0 <= JSD <= ln 2)
//
// averaged over the query units whose rows both runs have.
#pragma once

#include "attnviz/core/attention_trace.h"
#include "attnviz/core/run_alignment.h"

#include <atomic>
#include <cstdio>
#include <span>
#include <vector>

namespace attnviz::core {

// (units, units) row-major: row u is the mean over u's query tokens of the
// probability each unit's key tokens receive (summed over them), divided by
// the row's total over all units (the mass on unmatched keys is left out).
// A row with no mass on any unit is NaN. `probs` (T, T) of run `sideA ? A : B`.
std::vector<float> unitAttention(const float* probs, int seqLen, const RunAlignment& alignment, bool sideA);

// The divergence of two distributions over n entries, natural log.
double jensenShannon(const float* p, const float* q, int n);
// The mean JSD of the rows of two (n, n) matrices, over the rows finite in both (NaN when none).
double meanRowJensenShannon(const std::vector<float>& p, const std::vector<float>& q, int n);

struct HeadChange {
    int layer = 0;
    int head = 0;
    double meanJsd = 0;
};

// Every (layer, head) both traces have, most changed first (ties: layer,
// head). Heads left when *cancel turns true are NaN (the caller drops the result).
std::vector<HeadChange> rankHeadChanges(const AttentionTrace& a, const AttentionTrace& b, const RunAlignment& alignment,
                                        const std::atomic<bool>* cancel = nullptr);

// The ranking as CSV, "rank,layer,head,mean_jsd" then one line per head in
// its order (rank from 1; an empty mean_jsd for a NaN). False on a write error.
bool writeHeadChangesCsv(std::FILE* out, std::span<const HeadChange> ranking);

}  // namespace attnviz::core
