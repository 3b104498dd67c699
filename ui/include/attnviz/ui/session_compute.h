// One run for the UI, as plain functions: text (or typed token ids) to
// tokens, tokens to a SessionResult. The session's worker thread and
// attnviz-cli export both call these.
#pragma once

#include "attnviz/ui/loaded_model.h"
#include "attnviz/ui/session_result.h"

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

// Tokenizes with the model's tokenizer, or reads token ids ("1 15 27" or
// "1,15,27") when the model has none.
core::Result<std::vector<core::Token>> tokenizeInput(const LoadedModel& model, const SessionInput& input);

// Runs the model on `tokens` with `mask`, recording scores. When the mask is
// not the model's own, the same tokens are also run with the default mask
// (reused from `previous` when it holds the same tokens). Returns an error
// "cancelled" when *cancel became true.
core::Result<std::shared_ptr<const SessionResult>> runSession(const LoadedModel& model,
                                                              const std::vector<core::Token>& tokens,
                                                              core::MaskMode mask,
                                                              const std::atomic<bool>* cancel = nullptr,
                                                              const SessionResult* previous = nullptr);

}  // namespace attnviz::ui
