#include "attnviz/core/induction.h"

#include <algorithm>
#include <cassert>
#include <climits>
#include <cmath>
#include <random>
#include <string>

namespace attnviz::core {

namespace {

// Uniform in [0, bound) from raw mt19937_64 outputs by rejection: unlike
// std::uniform_int_distribution, whose algorithm each standard library picks,
// this gives the same draws everywhere.
std::uint64_t uniformBelow(std::mt19937_64& rng, std::uint64_t bound) {
    assert(bound > 0);
    // 2^64 mod bound: dropping outputs below it leaves a multiple of bound values.
    const std::uint64_t threshold = (0 - bound) % bound;
    std::uint64_t x = 0;
    do {
        x = rng();
    } while (x < threshold);
    return x % bound;
}

bool hasBos(const ModelConfig& config) { return config.bosTokenId >= 0 && config.bosTokenId < config.vocabSize; }

}  // namespace

bool isMarkerOrBytePiece(std::string_view piece) {
    if (piece.size() < 3) return false;
    return (piece.front() == '<' && piece.back() == '>') || (piece.front() == '[' && piece.back() == ']');
}

std::vector<std::int32_t> ordinaryTokenIds(const ModelConfig& config, const Tokenizer* tokenizer) {
    std::vector<std::int32_t> ids;
    for (std::int32_t id = 0; id < config.vocabSize; ++id) {
        if (id == config.bosTokenId || id == config.eosTokenId || id == config.padTokenId) continue;
        if (tokenizer != nullptr) {
            // Ids past the tokenizer's vocabulary (padded embedding tables) have no piece.
            const std::string piece = tokenizer->piece(id);
            if (piece.empty() || isMarkerOrBytePiece(piece)) continue;
        }
        ids.push_back(id);
    }
    return ids;
}

Result<InductionSequence> makeInductionSequence(const ModelConfig& config, const Tokenizer* tokenizer,
                                                const InductionOptions& options) {
    InductionSequence seq;
    seq.seed = options.seed;
    seq.prefixLength = hasBos(config) ? 1 : 0;
    int n = options.repeatLength;
    if (n < 1) {
        return makeError(ErrorCode::InvalidInput,
                         "the induction sequence needs a repeat length of at least 1, got " + std::to_string(n));
    }
    const int limit = config.maxSequenceLength();
    if (static_cast<long long>(seq.prefixLength) + 2LL * n > limit) {
        if (!options.shrinkToFit || (limit - seq.prefixLength) / 2 < 1) {
            return makeError(ErrorCode::InvalidInput,
                             "the induction sequence has " + std::to_string(seq.prefixLength + 2LL * n) +
                                 " tokens ([BOS] + 2 x " + std::to_string(n) + "); this model takes at most " +
                                 std::to_string(limit));
        }
        n = (limit - seq.prefixLength) / 2;
    }
    seq.repeatLength = n;

    std::vector<std::int32_t> pool = ordinaryTokenIds(config, tokenizer);
    if (pool.empty()) {
        return makeError(ErrorCode::Unsupported,
                         "the model has no ordinary tokens to build the induction sequence from");
    }
    std::mt19937_64 rng(options.seed);
    std::vector<std::int32_t> r;
    r.reserve(static_cast<std::size_t>(n));
    if (pool.size() >= static_cast<std::size_t>(n)) {
        // Partial Fisher-Yates: n distinct ids.
        for (std::size_t k = 0; k < static_cast<std::size_t>(n); ++k) {
            const std::size_t pick = k + static_cast<std::size_t>(uniformBelow(rng, pool.size() - k));
            std::swap(pool[k], pool[pick]);
            r.push_back(pool[k]);
        }
    } else {
        for (int k = 0; k < n; ++k) r.push_back(pool[static_cast<std::size_t>(uniformBelow(rng, pool.size()))]);
    }

    if (seq.prefixLength == 1) seq.ids.push_back(config.bosTokenId);
    seq.ids.insert(seq.ids.end(), r.begin(), r.end());
    seq.ids.insert(seq.ids.end(), r.begin(), r.end());
    return seq;
}

double inductionScore(const float* probs, int seqLen, int prefixLength, int repeatLength) {
    const int n = repeatLength;
    if (n < 1 || prefixLength < 0 || seqLen < prefixLength + 2 * n) return HeadStats::kUndefined;
    double total = 0.0;
    // Position i of the second copy holds the token first seen at i - n; the
    // token after that occurrence sits at i - n + 1.
    for (int i = prefixLength + n; i < prefixLength + 2 * n; ++i) {
        total += probs[static_cast<std::size_t>(i) * seqLen + (i - (n - 1))];
    }
    return total / n;
}

std::vector<double> inductionScores(const AttentionTrace& trace, const InductionSequence& sequence) {
    std::vector<double> scores;
    scores.reserve(static_cast<std::size_t>(trace.nLayers()) * trace.nHeads());
    for (int l = 0; l < trace.nLayers(); ++l)
        for (int h = 0; h < trace.nHeads(); ++h)
            scores.push_back(inductionScore(trace.probs(l, h), trace.seqLen(), sequence.prefixLength,
                                            sequence.repeatLength));
    return scores;
}

Result<std::vector<double>> measureInduction(const Model& model, const InductionSequence& sequence, MaskMode mask,
                                             const std::atomic<bool>* cancel) {
    RunOptions options;
    options.mask = mask;
    options.cancel = cancel;
    auto trace = model.run(sequence.ids, options);
    if (!trace) return prefixError("induction run: ", trace.takeError());
    return inductionScores(*trace, sequence);
}

void applyInduction(std::vector<HeadStats>& stats, std::span<const double> scores) {
    assert(stats.size() == scores.size());
    for (std::size_t k = 0; k < stats.size() && k < scores.size(); ++k) stats[k].induction = scores[k];
}

}  // namespace attnviz::core
