// What the views draw: one run's trace (plus the same tokens under the
// model's own mask, for the difference view), the token labels, the head
// statistics and, when asked for, the model's predictions.
#pragma once

#include "attnviz/core/attention_trace.h"
#include "attnviz/core/head_stats.h"
#include "attnviz/core/induction.h"
#include "attnviz/core/mask_mode.h"
#include "attnviz/core/model.h"
#include "attnviz/core/run_result.h"
#include "attnviz/core/attention_block.h"
#include "attnviz/core/seq2seq_session.h"
#include "attnviz/ui/session/attention_kind.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace attnviz::ui {

struct TokenLabel {
    QString text;          // display form ("␣cat", "<s>", "#42" when typed as an id)
    bool special = false;  // [CLS], <s>, ...
    std::int32_t id = 0;
};

// One of the top-k tokens the model predicts at a position.
struct PredictedToken {
    std::int32_t id = 0;
    QString text;  // the tokenizer's display form, "#id" without a tokenizer
    float probability = 0.0f;
};

// The top-k at one position: the next token after the last one (causal
// models) or the fillers of one mask token (masked language models).
struct PositionPredictions {
    int position = 0;
    std::vector<PredictedToken> top;  // most probable first
};

using InductionMeasurement = core::InductionMeasurement;

// A core::RunResult in the forms the views read (Qt strings); made by
// toSessionResult, nothing here is computed.
struct SessionResult {
    std::shared_ptr<const core::RunResult> run;  // what this was made from
    std::shared_ptr<const core::Model> model;  // the model that produced the trace
    QString modelName;
    QString modelType;
    core::MaskMode requestedMask;  // as asked (may be Default)
    core::MaskMode defaultMask;    // the mask the model was trained with
    std::shared_ptr<const core::AttentionTrace> trace;         // with scores
    std::shared_ptr<const core::AttentionTrace> defaultTrace;  // == trace when the mask is the default
    std::vector<TokenLabel> tokens;
    double computeMs = 0;   // the run (core::RunResult::timings.totalMs)
    double tokenizeMs = 0;  // the tokenizer, before the run

    // core::computeHeadStats of `trace`, layer-major; induction is NaN until
    // `induction` is set (the session measures it after the first result).
    std::vector<core::HeadStats> headStats;
    std::shared_ptr<const InductionMeasurement> induction;
    QString inductionProblem;  // why induction could not be measured ("" otherwise)

    // Predictions are computed only when asked for (RunFeatures::predictions).
    bool predictionsComputed = false;
    bool maskedLm = false;  // fillers of mask tokens, else the next token
    QString maskToken;      // what to type for a masked position ("[MASK]"), "" when unknown
    std::vector<PositionPredictions> predictions;
    QString predictionProblem;  // why there are none ("" otherwise)
    bool predictionNeedsMask = false;  // a masked LM and no mask token in the text

    // Encoder-decoder runs: the whole run and which of its attentions this
    // result presents. Encoder and decoder self-attention are square and sit
    // in `trace` as for any model; for cross-attention `trace` is the
    // decoder's (its layer and head counts, its tokens as rows) and `cross`
    // holds the (Ld, Hd, T, S) matrices: target tokens as rows (`tokens`),
    // source tokens as columns (`colTokens`).
    std::shared_ptr<const core::Seq2SeqRunResult> seq2seq;
    std::optional<AttentionKind> kind;  // nullopt for decoder-only and encoder-only models
    std::shared_ptr<const core::AttentionBlock> cross;
    std::vector<TokenLabel> colTokens;  // the columns of `cross`

    bool isCross() const { return cross != nullptr; }
    // The q, k and v this result's attention came from at `layer`
    // (core::LayerCapture; RunFeatures::captureLayer), null when not kept:
    // the trace's own, or the cross-attention's.
    const core::LayerCapture* capture(int layer) const;
    // "encoder self-attention · " etc., "" for single-stack models.
    QString kindPrefix() const;

    int tokenCount() const { return static_cast<int>(tokens.size()); }
    // The same attention as `other` (the same traces and tokens): a result
    // that only gained extras later, such as induction, shows the same
    // figures and keeps what was computed from them.
    bool sameAttention(const SessionResult& other) const {
        return trace == other.trace && defaultTrace == other.defaultTrace && cross == other.cross &&
               tokens.size() == other.tokens.size();
    }
    bool maskIsDefault() const { return trace->maskIsModelDefault(); }
    bool hasSpecialTokens() const;

    // The token indices the views show: all, or all but the special ones
    // (all when nothing else would remain).
    std::vector<int> visibleTokens(bool hideSpecial) const;
    QStringList labels(const std::vector<int>& indices) const;
    // The column tokens the views show: visibleTokens for square results,
    // the source tokens of cross-attention.
    std::vector<int> visibleColTokens(bool hideSpecial) const;
    QStringList colLabels(const std::vector<int>& indices) const;

    // "causal (the model's own mask)" or "bidirectional: NOT the mask this
    // model was trained with (causal)".
    QString maskDescription() const;
    QString maskShortText() const;  // "causal" / "bidirectional (not the model's causal)"

    // Layers differ in reach (some local, or Longformer's global tokens):
    // the views then label each layer.
    bool layersDiffer() const;
    // "global" / "local 4" for the overview's row labels.
    QString layerKindShort(int layer) const;
    // "layer 1: local window 4, query i sees keys i−3 … i (+ global tokens 0, 5)".
    QString layerDescription(int layer) const;
};

std::shared_ptr<const SessionResult> toSessionResult(std::shared_ptr<const core::RunResult> run,
                                                     double tokenizeMs = 0);

// A readable name of a concrete mask: "causal", "bidirectional", "sliding window 4".
QString maskLabel(core::MaskMode mask);

}  // namespace attnviz::ui
