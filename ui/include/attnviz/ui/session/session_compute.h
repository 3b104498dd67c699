// The window's runs, as plain functions over core::Session (which holds the
// run policy): typed text to tokens, tokens to the Qt view of a run, and the
// second stage that adds the induction scores. SessionModel's worker and
// attnviz-cli export both call these.
#pragma once

#include "attnviz/ui/session/loaded_model.h"
#include "attnviz/ui/session/session_result.h"

#include <QString>

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

namespace attnviz::ui {

struct SessionInput {
    QString text;
    QString pair;          // second sentence, used when usePair
    bool usePair = false;
    QString target;        // encoder-decoder models: the decoder's text ("" generates)

    friend bool operator==(const SessionInput&, const SessionInput&) = default;
};

inline constexpr int kTopPredictions = 5;

// What a run computes beyond what every view needs (core::RunRequest::forViews).
struct RunFeatures {
    // The LM head's top-k (next token, or fillers of each mask token). Costs
    // the last FFN and a (tokens x vocabulary) product.
    bool predictions = false;
    int topK = kTopPredictions;
    // The head statistics (the Heads panel) and, with them, the induction
    // scores (its induction column; one extra pass per model and mask). The
    // window asks for them only while they are on screen.
    bool statistics = true;
    bool induction = true;
    // Positions with global attention (Longformer); nullopt: the model's
    // default (the first token).
    std::optional<std::vector<int>> globalTokens;
    // The layer whose q, k, v and the rest the Explain view shows
    // (core::LayerCapture); -1: none. The window asks only while that view
    // is open.
    int captureLayer = -1;

    friend bool operator==(const RunFeatures&, const RunFeatures&) = default;
};

// Tokenizes with the model's tokenizer, or reads token ids ("1 15 27" or
// "1,15,27") when the model has none. The pair is used when the model takes
// pairs.
core::Result<std::vector<core::Token>> tokenizeInput(const LoadedModel& model, const SessionInput& input);

// Runs what the views draw (core::RunRequest::forViews) on `tokens` with
// `mask`. Errors with ErrorCode::Cancelled when *cancel became true.
core::Result<std::shared_ptr<const SessionResult>> runSession(const LoadedModel& model,
                                                              const std::vector<core::Token>& tokens,
                                                              core::MaskMode mask,
                                                              const std::atomic<bool>* cancel = nullptr,
                                                              const RunFeatures& features = {},
                                                              double tokenizeMs = 0);

// `result` with what `features` asks for beside the attention and it lacks:
// the head statistics (core::computeHeadStats of its trace) and the
// induction scores (core::Session::withInduction: the extra pass of
// core/induction.h, once per model and mask, or the reason they cannot be
// had). Errors only when cancelled.
core::Result<std::shared_ptr<const SessionResult>> completeExtras(const LoadedModel& model, const SessionResult& result,
                                                                  const RunFeatures& features,
                                                                  const std::atomic<bool>* cancel = nullptr);

// True when `result` lacks something of `features` that a second stage adds.
bool needsExtras(const SessionResult& result, const RunFeatures& features);

// True when `result` still lacks the induction scores it could have.
bool needsInduction(const SessionResult& result);

}  // namespace attnviz::ui
