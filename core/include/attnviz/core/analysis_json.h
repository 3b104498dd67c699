// The JSON and CSV forms of the analyses, shared by `attnviz-cli analyze` and
// the GUI's exports:
// {"model", "model_type", "mask", "effective_mask", "tokens": [{"id", "text"}],
//  "n_layers", "n_heads", "seq_len",
//  "formulas": {"mean_heads": "...", "rollout": "...", ...},
//  "induction_seed", "induction_repeat_length", "induction_ids": [...]  (null when not measured),
//  "mean_heads": [L][T][T], "rollout": [T][T],
//  "value_norms": [L][H][T][T]   (N_lh[i][j]; null when the run did not capture value norms),
//  "head_stats": [{"layer", "head", "entropy", "mean_distance", "sink", "prev_token", "diagonal", "induction"}]}
// Matrices: row = query, column = key, floats with %.9g (float32 round trip);
// undefined statistics (NaN) are null.
#pragma once

#include "attnviz/core/attention_trace.h"
#include "attnviz/core/ops.h"
#include "attnviz/core/head_stats.h"
#include "attnviz/core/induction.h"

#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace attnviz::core {

struct AnalysisJsonHeader {
    std::string model;
    std::string modelType;
    std::string requestedMask;            // as the user asked: "default", "causal", ...
    std::vector<std::string> tokenTexts;  // display text of each token
    // Encoder-decoder models: which self-attention the trace is, "encoder"
    // or "decoder" ("" for a model with one stack).
    std::string attentionKind;
};

// (JSON key, formula) of every aggregate and statistic the exports carry.
std::vector<std::pair<std::string_view, std::string_view>> analysisFormulas();

// `induction` is the sequence the induction scores in `stats` came from, or
// null when induction was not measured; `flow` (seqLen, seqLen) the
// attention flow when it was computed (attentionFlow), else null.
// Returns false on a write error.
bool writeAnalysisJson(std::FILE* out, const AnalysisJsonHeader& header, const AttentionTrace& trace,
                       std::span<const HeadStats> stats, const InductionSequence* induction,
                       const RowMatrix* flow = nullptr);

// "layer,head,entropy,mean_distance,sink,prev_token,diagonal,induction" and
// one row per entry in the given order; NaN is an empty field.
bool writeHeadStatsCsv(std::FILE* out, std::span<const HeadStats> stats);

}  // namespace attnviz::core
