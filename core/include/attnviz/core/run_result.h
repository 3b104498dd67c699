// What one run of a Session produced: the tokens as shown, the attention
// trace (and the same tokens under the model's own mask, for the difference
// view), the head statistics, the induction scores when measured, the
// model's predictions when asked for, and how long each stage took.
#pragma once

#include "attnviz/core/attention_trace.h"
#include "attnviz/core/head_stats.h"
#include "attnviz/core/induction.h"
#include "attnviz/core/mask_mode.h"
#include "attnviz/core/model.h"
#include "attnviz/core/tokenizer.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace attnviz::core {

// One of the top-k tokens the model predicts at a position.
struct PredictedToken {
    std::int32_t id = 0;
    std::string text;  // the tokenizer's display form, "#id" without one
    float probability = 0.0f;
};

// The top-k at one position: the next token after the last one (causal
// models) or the fillers of one mask token (masked language models).
struct PositionPredictions {
    int position = 0;
    std::vector<PredictedToken> top;  // most probable first
};

// The induction scores of every head, measured on a sequence of their own
// (induction.h): a property of (model, mask), not of the text.
struct InductionMeasurement {
    InductionSequence sequence;
    std::vector<double> scores;  // (nLayers * nHeads), layer-major
    MaskMode mask;               // resolved, as the run used it
};

// Milliseconds per stage of a run (0 for stages that did not run).
struct RunTimings {
    double forwardMs = 0;      // the run with the requested mask (and the LM head)
    double defaultMaskMs = 0;  // the extra run under the model's own mask
    double statisticsMs = 0;   // head statistics and predictions
    double inductionMs = 0;    // the induction pass (when measured, not cached)
    double totalMs = 0;
};

struct RunResult {
    std::shared_ptr<const Model> model;  // the model that produced the trace; null for a trace file
    std::string modelName;               // the model's name (also for a trace file)
    std::string modelType;               // config.json's model_type
    // The trace file this result was read from (trace_file.h), "" for a run:
    // non-empty means nothing here can be re-run.
    std::string traceFile;
    std::vector<Token> tokens;           // display never empty ("#id" when the tokenizer has no text)
    MaskMode requestedMask;              // as asked (may be Default)
    MaskMode defaultMask;                // the mask the model was trained with
    std::shared_ptr<const AttentionTrace> trace;         // the run with the requested mask
    std::shared_ptr<const AttentionTrace> defaultTrace;  // == trace when the mask is the default; null when not asked for

    // computeHeadStats of `trace`, layer-major; induction is NaN unless
    // `induction` is set. Empty when statistics were not asked for.
    std::vector<HeadStats> headStats;
    std::shared_ptr<const InductionMeasurement> induction;
    std::string inductionProblem;  // why induction could not be measured ("" otherwise)

    bool predictionsComputed = false;  // asked for (RunRequest::predictions)
    bool maskedLm = false;             // fillers of mask tokens, else the next token
    std::string maskToken;             // what to type for a masked position ("[MASK]"), "" when unknown
    std::vector<PositionPredictions> predictions;
    std::string predictionProblem;     // why there are none ("" otherwise)
    bool predictionNeedsMask = false;  // a masked LM and no mask token in the text

    RunTimings timings;
    // Leading rows the forward pass took from the session's previous run
    // (prefix reuse of causal models), 0 when it computed every row.
    int prefixRowsReused = 0;

    int tokenCount() const { return static_cast<int>(tokens.size()); }
    bool maskIsDefault() const { return trace->maskIsModelDefault(); }
    std::vector<std::int32_t> ids() const;
    std::vector<std::string> displayTexts() const;
    bool hasSpecialTokens() const;
    // The token indices the views show: all, or all but the special ones
    // (all when nothing else would remain).
    std::vector<int> visibleTokens(bool hideSpecial) const;
    // True when the head statistics lack induction scores they could have.
    bool needsInduction() const { return !headStats.empty() && !induction && inductionProblem.empty(); }
};

}  // namespace attnviz::core
