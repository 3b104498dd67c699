// The window's runs of encoder-decoder models (core::Seq2SeqSession): a
// source text and an optional target become a teacher-forced run (with a
// target) or a generation followed by the teacher-forced pass over what was
// generated (without one), and the run becomes one SessionResult per
// attention kind for the views. SessionModel's worker and attnviz-cli
// export both call these.
#pragma once

#include "attnviz/ui/session/attention_kind.h"
#include "attnviz/ui/session/session_compute.h"
#include "attnviz/ui/session/session_result.h"

#include "attnviz/core/seq2seq_session.h"

#include <array>
#include <atomic>
#include <memory>
#include <optional>
#include <vector>

namespace attnviz::ui {

// New tokens generated when no target is given.
inline constexpr int kDefaultNewTokens = 20;

// One encoder-decoder run as the views read it: kinds[k] presents
// AttentionKind k (encoder, decoder, cross) of the same run.
struct Seq2SeqViews {
    std::shared_ptr<const core::Seq2SeqRunResult> run;
    std::array<std::shared_ptr<const SessionResult>, kAttentionKindCount> kinds;
    const std::shared_ptr<const SessionResult>& at(AttentionKind kind) const { return kinds[static_cast<int>(kind)]; }
};

// Tokenizes input.text as the source and input.target as the target (typed
// ids when the folder has no tokenizer), then runs: teacher-forced on the
// target, or generating up to `maxNewTokens` greedily without one. `mask`
// applies to both self-attentions (Default: each its own). Errors with
// ErrorCode::Cancelled when *cancel became true.
core::Result<std::shared_ptr<const Seq2SeqViews>> runSeq2Seq(const core::Seq2SeqSession& session,
                                                             const SessionInput& input, core::MaskMode mask,
                                                             const std::atomic<bool>* cancel = nullptr,
                                                             const RunFeatures& features = {},
                                                             const core::GenerateOptions& generate = {});

// The same on tokens: teacher-forced on `decoder`, or generating with
// `generate` when it is nullopt; each stack under its own mask override.
core::Result<std::shared_ptr<const Seq2SeqViews>> runSeq2SeqTokens(const core::Seq2SeqSession& session,
                                                                   const std::vector<core::Token>& source,
                                                                   const std::optional<std::vector<core::Token>>& decoder,
                                                                   core::MaskMode encoderMask, core::MaskMode decoderMask,
                                                                   core::GenerateOptions generate,
                                                                   const std::atomic<bool>* cancel,
                                                                   const RunFeatures& features, double tokenizeMs = 0);

// The three kinds of an already computed run (`defaultRun`: the same tokens
// under both stacks' own masks, or null when `run` used them).
std::shared_ptr<const Seq2SeqViews> seq2seqViews(const core::Seq2SeqSession& session,
                                                 std::shared_ptr<const core::Seq2SeqRunResult> run,
                                                 std::shared_ptr<const core::Seq2SeqRunResult> defaultRun,
                                                 core::MaskMode encoderMask, core::MaskMode decoderMask,
                                                 const RunFeatures& features, double computeMs, double tokenizeMs);

}  // namespace attnviz::ui
