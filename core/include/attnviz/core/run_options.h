// What one forward pass should do and record.
#pragma once

#include "attnviz/core/mask_mode.h"

#include <atomic>
#include <cstdint>
#include <optional>
#include <vector>

namespace attnviz::core {

class PrefixCache;

// The memory a run's attention trace may take: 2 GiB, or
// ATTNVIZ_TRACE_BUDGET_MB megabytes when that is set to a positive integer.
// An eager trace over it is refused (naming both sizes); a lazy one
// (RunOptions::lazyTrace) keeps queries and keys instead, far less.
std::uint64_t traceMemoryBudget();

struct RunOptions {
    MaskMode mask;                            // Default: the model's own mask
    std::vector<std::int32_t> tokenTypeIds;   // BERT segments; empty = all 0
    // Positions with global attention (Longformer). nullopt: the model's
    // default (Longformer: the first token); only models with global
    // attention accept a non-empty list.
    std::optional<std::vector<int>> globalTokens;
    bool captureScores = false;               // keep the pre-softmax scores
    bool captureValueNorms = false;           // ||(x W_V + b_V) W_O|| per head and key
    bool computeLogits = false;               // run the last FFN and the LM head too
    // With computeLogits: the positions whose logits are wanted (each at most
    // once, any order); empty = every position. The LM head is the costliest
    // step of a long text (seqLen x vocabSize), and a viewer needs one row.
    std::vector<int> logitPositions;
    // The trace records the attention rows of queries [recordRowsFrom,
    // seqLen) only (AttentionTrace::firstRow): a generation step needs the
    // last one. 0: every row.
    int recordRowsFrom = 0;
    const std::atomic<bool>* cancel = nullptr;  // set to true to stop between layers
    // Kept rows of the previous run (prefix_cache.h): causal families reuse
    // them and refill the cache; other runs clear it. Null: a plain run.
    PrefixCache* prefixCache = nullptr;
    // Keep what the attention blocks of these layers computed (x, Q, K, V,
    // the context, the block's output: layer_capture.h) in the trace. Every
    // row is computed afresh (a prefix cache serves no rows to such a run).
    std::vector<int> captureLayers;
    // Keep no probabilities: the trace's lazy() holds each layer's queries and
    // keys and computes a head when asked (lazy_attention.h), for inputs whose
    // full trace would not fit. Not with captureScores, captureLayers,
    // recordRowsFrom or a generation prefix cache; every family but
    // Longformer.
    bool lazyTrace = false;
};

}  // namespace attnviz::core
