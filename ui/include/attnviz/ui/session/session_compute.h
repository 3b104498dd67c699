// One run for the UI, as plain functions: text (or typed token ids) to
// tokens, tokens to a SessionResult, and the induction pass that completes
// the head statistics. The session's worker thread and attnviz-cli export
// both call these.
#pragma once

#include "attnviz/ui/session/loaded_model.h"
#include "attnviz/ui/session/session_result.h"

#include <QString>

#include <atomic>
#include <memory>
#include <vector>

namespace attnviz::ui {

struct SessionInput {
    QString text;
    QString pair;          // second sentence, used when usePair
    bool usePair = false;

    friend bool operator==(const SessionInput&, const SessionInput&) = default;
};

// Limits that keep the window responsive; longer inputs get a message.
inline constexpr int kMaxTokens = 1024;
inline constexpr int kMaxTextChars = 200000;
// The LM head writes (tokens x vocabulary) logits: above this many the
// predictions are skipped with a message (256 MB of floats).
inline constexpr long long kMaxLogitEntries = 64LL * 1024 * 1024;
inline constexpr int kTopPredictions = 5;

// What a run computes beyond the attention of every head (which, with the
// scores, the value norms and the head statistics, it always records).
struct RunFeatures {
    // The LM head's top-k (next token, or fillers of each mask token). Costs
    // the last FFN and a (tokens x vocabulary) product.
    bool predictions = false;
    int topK = kTopPredictions;

    friend bool operator==(const RunFeatures&, const RunFeatures&) = default;
};

// Tokenizes with the model's tokenizer, or reads token ids ("1 15 27" or
// "1,15,27") when the model has none.
core::Result<std::vector<core::Token>> tokenizeInput(const LoadedModel& model, const SessionInput& input);

// Runs the model on `tokens` with `mask`, recording scores and value norms,
// and computes the head statistics (with the induction scores of `previous`
// when it measured them for the same model and mask) and, with
// features.predictions, the top-k predictions. When the mask is not the
// model's own, the same tokens are also run with the default mask (reused
// from `previous` when it holds the same tokens). Returns an error
// "cancelled" when *cancel became true.
core::Result<std::shared_ptr<const SessionResult>> runSession(const LoadedModel& model,
                                                              const std::vector<core::Token>& tokens,
                                                              core::MaskMode mask,
                                                              const std::atomic<bool>* cancel = nullptr,
                                                              const SessionResult* previous = nullptr,
                                                              const RunFeatures& features = {});

// The extra forward pass of the induction statistic (core/induction.h, the
// same sequence and seed as attnviz-cli analyze) under the result's mask.
core::Result<std::shared_ptr<const InductionMeasurement>> measureSessionInduction(
    const LoadedModel& model, const SessionResult& result, const std::atomic<bool>* cancel = nullptr);

// A copy of `result` whose head statistics carry the induction scores.
std::shared_ptr<const SessionResult> withInduction(const SessionResult& result,
                                                   std::shared_ptr<const InductionMeasurement> induction);
// A copy that records why induction could not be measured.
std::shared_ptr<const SessionResult> withInductionProblem(const SessionResult& result, const QString& problem);

// True when `result` still lacks the induction scores it could have.
bool needsInduction(const SessionResult& result);

}  // namespace attnviz::ui
