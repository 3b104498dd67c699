// The induction statistic: how strongly a head, reading the second copy of a
// repeated random sequence, attends to the token right after the earlier
// occurrence of the current token (the pattern of induction heads, Olsson et
// al. 2022). Measured on a sequence made for the purpose, not on the user's
// text, so it needs one extra run of the model.
//
//   auto seq = makeInductionSequence(model->config(), tokenizer, InductionOptions{});
//   auto scores = measureInduction(*model, *seq, MaskMode::defaultMode());  // (nLayers * nHeads)
//   applyInduction(stats, *scores);
#pragma once

#include "attnviz/core/attention_trace.h"
#include "attnviz/core/head_stats.h"
#include "attnviz/core/mask_mode.h"
#include "attnviz/core/model.h"
#include "attnviz/core/model_config.h"
#include "attnviz/core/result.h"
#include "attnviz/core/tokenizer.h"

#include <atomic>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace attnviz::core {

inline constexpr std::uint64_t kInductionSeed = 20240607;
inline constexpr int kInductionRepeatLength = 50;

inline constexpr std::string_view kInductionFormula =
    "induction = (1/n) * sum over positions i of the second copy of a[i][i - (n - 1)] on the sequence "
    "[BOS] + r + r ([BOS] only when config.json names one), r = n ordinary tokens (n = 50 unless the model's "
    "position table is shorter) drawn without replacement by std::mt19937_64(seed), seed 20240607 unless stated: "
    "the attention from the second occurrence of a token to the token after its first occurrence";

inline constexpr std::string_view kOrdinaryTokenRule =
    "ordinary token = an id below the model's vocab_size that is not bos/eos/pad_token_id of config.json and, "
    "when the model has a tokenizer, whose piece is non-empty, not a byte piece <0xHH> and not a marker "
    "written <...> or [...] (e.g. <unk>, <s>, </s>, [CLS], <|endoftext|>); without a tokenizer every other id";

struct InductionOptions {
    std::uint64_t seed = kInductionSeed;
    int repeatLength = kInductionRepeatLength;  // n, the length of r
    // For models with short learned position tables (tiny test models): use
    // the largest n that fits instead of failing. The sequence records the n used.
    bool shrinkToFit = false;
};

// [BOS] + r + r. prefixLength is 1 when config.json names a BOS token, else 0.
struct InductionSequence {
    std::vector<std::int32_t> ids;
    int prefixLength = 0;
    int repeatLength = 0;
    std::uint64_t seed = 0;
};

// True for a piece that names no ordinary text: a byte piece "<0xHH>" or a
// marker such as "<unk>", "</s>", "[CLS]", "<|endoftext|>" (at least three
// characters inside <> or []).
bool isMarkerOrBytePiece(std::string_view piece);

// The ids kOrdinaryTokenRule allows, ascending. `tokenizer` may be null.
std::vector<std::int32_t> ordinaryTokenIds(const ModelConfig& config, const Tokenizer* tokenizer);

// r is drawn without replacement (so every position of the second copy has
// exactly one earlier occurrence) from the ordinary ids; with replacement
// only when fewer than n ordinary ids exist. The draw uses only
// std::mt19937_64 outputs, so the sequence is the same on every platform.
// Errors when the sequence would not fit ModelConfig::maxSequenceLength() (unless
// shrinkToFit), when n < 1 or when no ordinary id exists.
Result<InductionSequence> makeInductionSequence(const ModelConfig& config, const Tokenizer* tokenizer,
                                                const InductionOptions& options);

// The statistic of one (seqLen, seqLen) matrix of the repeated sequence:
// mean over i in [prefix + n, prefix + 2n) of probs[i][i - (n - 1)].
// NaN when seqLen < prefix + 2n or n < 1.
double inductionScore(const float* probs, int seqLen, int prefixLength, int repeatLength);

// One score per head of `trace` (a run on `sequence`), layer-major.
std::vector<double> inductionScores(const AttentionTrace& trace, const InductionSequence& sequence);

// Runs `model` on `sequence` with `mask` and scores every head.
Result<std::vector<double>> measureInduction(const Model& model, const InductionSequence& sequence, MaskMode mask,
                                             const std::atomic<bool>* cancel = nullptr);

// Copies layer-major scores into stats[k].induction. Sizes must match.
void applyInduction(std::vector<HeadStats>& stats, std::span<const double> scores);

}  // namespace attnviz::core
