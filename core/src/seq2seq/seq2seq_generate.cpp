// Seq2SeqModel::generate: greedy or sampled decoding, one decoder row per
// step against the cached keys and values.
#include "attnviz/core/seq2seq_model.h"

#include "decoder_cache.h"

#include "../models/forward_steps.h"
#include "../out_of_memory.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace attnviz::core {

namespace {

constexpr int kMaxCandidates = 100;

// Indices of `logits` ordered by value, largest first (ties: lower id first,
// as argmax picks the first maximum); only the first `count`.
std::vector<int> topIndices(const float* logits, int vocab, int count) {
    std::vector<int> order(static_cast<std::size_t>(vocab));
    std::iota(order.begin(), order.end(), 0);
    count = std::min(count, vocab);
    std::partial_sort(order.begin(), order.begin() + count, order.end(), [&](int a, int b) {
        return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
    });
    order.resize(static_cast<std::size_t>(count));
    return order;
}

// softmax(logits / temperature) over every id, in double.
std::vector<double> probabilities(const float* logits, int vocab, double temperature) {
    const double t = temperature > 0 ? temperature : 1.0;
    const float maxLogit = *std::max_element(logits, logits + vocab);
    std::vector<double> p(static_cast<std::size_t>(vocab));
    double sum = 0;
    for (int i = 0; i < vocab; ++i) sum += p[static_cast<std::size_t>(i)] = std::exp((logits[i] - maxLogit) / t);
    for (double& x : p) x /= sum;
    return p;
}

}  // namespace

Result<Seq2SeqGeneration> Seq2SeqModel::generate(std::span<const std::int32_t> source,
                                                 const GenerateOptions& options) const {
    const Seq2SeqConfig& c = config();
    if (Status s = checkIds(source, "source"); !s) return s.takeError();
    const int limit = std::min(c.maxSequenceLength(), 1 << 16);
    if (options.maxNewTokens < 1 || options.maxNewTokens > limit) {
        return makeError(ErrorCode::InvalidInput, "max new tokens is " + std::to_string(options.maxNewTokens) +
                                                      "; it must be between 1 and " + std::to_string(limit));
    }
    if (!std::isfinite(options.temperature) || options.temperature < 0) {
        return makeError(ErrorCode::InvalidInput, "the temperature must be a number >= 0 (0: greedy)");
    }
    if (options.topK < 0) return makeError(ErrorCode::InvalidInput, "top-k must be >= 0 (0: every token)");
    if (options.candidates < 1 || options.candidates > kMaxCandidates) {
        return makeError(ErrorCode::InvalidInput, "the candidates per step must be between 1 and " +
                                                      std::to_string(kMaxCandidates));
    }
    const int S = static_cast<int>(source.size());
    const std::string what = "generating from " + std::to_string(S) + " source tokens";
    return guardAllocation(what, std::nullopt, [&]() -> Result<Seq2SeqGeneration> {
        Seq2SeqGeneration out;
        const MaskMode encoderMask =
            options.encoderMask.kind == MaskMode::Kind::Default ? MaskMode::bidirectional() : options.encoderMask;
        out.encoder = AttentionTrace::forOverwrite(c.encoder.nLayers, c.encoder.nHeads, S, false, false);
        out.encoder.setMask(encoderMask);
        out.encoder.setLayers(std::vector<LayerKind>(static_cast<std::size_t>(c.encoder.nLayers)), {});
        out.encoder.setMaskIsModelDefault(encoderMask == MaskMode::bidirectional());
        out.encoder.tokenIds.assign(source.begin(), source.end());
        RowMatrix encoded;  // (S, dModel)
        if (Status s = encode(source, options.cancel, out.encoder, encoded); !s) return s.takeError();
        if (const auto [layer, head] = out.encoder.firstNonFiniteScores(); layer >= 0) {
            return makeError(ErrorCode::CorruptFile, "the attention scores of encoder layer " + std::to_string(layer) +
                                                         " are NaN or infinite");
        }
        auto cache = startDecoder(encoded, options.maxNewTokens, resolveLayerMask(LayerKind::global(), MaskMode::causal(), {}));
        std::mt19937_64 random(options.seed);
        out.decoderIds.push_back(c.decoderStartTokenId);
        RowMatrix hidden, logitRow;  // (1, dModel), (1, vocab)
        for (int s = 0; s < options.maxNewTokens; ++s) {
            if (options.cancel != nullptr && options.cancel->load()) return cancelledError();
            GenerationStep step;
            step.self = AttentionBlock(c.decoder.nLayers, c.decoder.nHeads, 1, s + 1);
            step.cross = AttentionBlock(c.decoder.nLayers, c.decoder.nHeads, 1, S);
            const std::int32_t fed = out.decoderIds.back();
            if (Status st = decode(std::span(&fed, 1), *cache, step.self.data(), nullptr, step.cross.data(), hidden); !st) {
                return st.takeError();
            }
            logits(hidden, logitRow);
            const float* l = logitRow.data();
            if (!logitRow.allFinite()) {
                return makeError(ErrorCode::CorruptFile, "the language-model head's logits at step " + std::to_string(s) +
                                                             " are NaN or infinite");
            }
            const std::vector<double> p = probabilities(l, c.vocabSize, options.temperature);
            for (int id : topIndices(l, c.vocabSize, options.candidates)) {
                step.top.push_back({id, static_cast<float>(p[static_cast<std::size_t>(id)]), l[id]});
            }
            if (options.temperature == 0) {
                step.id = step.top.front().id;
            } else {
                // Sample among the top-k (or every id), renormalised.
                const int k = options.topK > 0 ? std::min(options.topK, c.vocabSize) : c.vocabSize;
                const std::vector<int> pool = topIndices(l, c.vocabSize, k);
                double total = 0;
                for (int id : pool) total += p[static_cast<std::size_t>(id)];
                double u = std::uniform_real_distribution<double>(0.0, total)(random);
                step.id = pool.back();
                for (int id : pool) {
                    u -= p[static_cast<std::size_t>(id)];
                    if (u < 0) {
                        step.id = id;
                        break;
                    }
                }
            }
            out.decoderIds.push_back(step.id);
            out.steps.push_back(std::move(step));
            if (options.progress && !options.progress(s + 1, options.maxNewTokens)) return cancelledError();
            if (out.decoderIds.back() == c.eosTokenId) {
                out.stoppedAtEos = true;
                break;
            }
        }
        return out;
    });
}

}  // namespace attnviz::core
