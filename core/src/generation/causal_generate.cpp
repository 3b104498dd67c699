// generateCausal: the prompt runs once, then each step runs the one new
// token through Model::run with a PrefixCache that keeps every layer's keys
// and values (PrefixCache::Reuse::NewRowsOnly): the step computes one row
// of every projection and MLP and the new query's attention over the cached
// keys, and its trace holds that one row.
#include "attnviz/core/generation.h"

#include "attnviz/core/model.h"
#include "attnviz/core/prefix_cache.h"

#include "../out_of_memory.h"
#include "token_choice.h"

#include <algorithm>
#include <string>

namespace attnviz::core {

namespace {

// The most positions a causal model takes: its position table (learned
// positions), else max_position_embeddings.
int positionLimit(const ModelConfig& c) { return std::min(c.maxSequenceLength(), c.maxPositions); }

bool cancelled(const GenerateOptions& options) { return options.cancel != nullptr && options.cancel->load(); }

}  // namespace

Result<CausalGeneration> generateCausal(const Model& model, std::span<const std::int32_t> prompt,
                                        const GenerateOptions& options) {
    const ModelConfig& c = model.config();
    if (model.defaultMask() != MaskMode::causal()) {
        return makeError(ErrorCode::Unsupported, "'" + model.name() + "' (" + c.modelType +
                                                     ") is a bidirectional encoder: it has no next token to "
                                                     "generate; generation needs a causal model (GPT-2, Llama, ...)");
    }
    const int P = static_cast<int>(prompt.size());
    if (P == 0) return makeError(ErrorCode::InvalidInput, "the prompt is empty: generation needs at least one token");
    const int limit = positionLimit(c);
    if (P >= limit) {
        return makeError(ErrorCode::InvalidInput, "the prompt has " + std::to_string(P) + " tokens and " + c.modelType +
                                                      " takes at most " + std::to_string(limit) +
                                                      " positions: there is no room for a new token");
    }
    if (options.maxNewTokens > limit - P) {
        return makeError(ErrorCode::InvalidInput, "the prompt has " + std::to_string(P) + " tokens and " + c.modelType +
                                                      " takes at most " + std::to_string(limit) +
                                                      " positions: at most " + std::to_string(limit - P) +
                                                      " new tokens fit, not " + std::to_string(options.maxNewTokens));
    }
    if (Status s = checkGenerateOptions(options, limit - P); !s) return s.takeError();

    const std::string what = "generating after " + std::to_string(P) + " prompt tokens";
    return guardAllocation(what, std::nullopt, [&]() -> Result<CausalGeneration> {
        CausalGeneration out;
        out.ids.assign(prompt.begin(), prompt.end());
        out.ids.reserve(static_cast<std::size_t>(P + options.maxNewTokens));
        out.promptLength = P;
        // Room for every row up front: a step appends without moving the cache.
        PrefixCache cache(PrefixCache::Reuse::NewRowsOnly, P + options.maxNewTokens);
        RunOptions run;
        run.computeLogits = true;
        run.cancel = options.cancel;
        run.prefixCache = &cache;
        TokenChooser chooser(options);
        for (int s = 0; s < options.maxNewTokens; ++s) {
            if (cancelled(options)) return makeError(ErrorCode::Cancelled, "cancelled");
            const int query = static_cast<int>(out.ids.size()) - 1;  // P - 1 + s
            run.logitPositions = {query};
            run.recordRowsFrom = query;
            // Step 0 runs the prompt; every later step its one new token.
            Result<AttentionTrace> trace = model.run(out.ids, run);
            if (!trace) {
                if (trace.code() == ErrorCode::Cancelled) return trace.takeError();
                return prefixError("generation step " + std::to_string(s) + ": ", trace.takeError());
            }
            CausalGenerationStep step;
            step.self = AttentionBlock(c.nLayers, c.nHeads, 1, query + 1);  // (L, H, 1, P + s)
            for (int l = 0; l < c.nLayers; ++l) {
                for (int h = 0; h < c.nHeads; ++h) {
                    const float* row = trace->probs(l, h);  // the one held row: (1, P + s)
                    std::copy(row, row + query + 1, step.self.probs(l, h));
                }
            }
            const float* logits = trace->logitsAt(query);  // (vocab); Model::run refuses NaN and Inf
            if (logits == nullptr) {
                return makeError(ErrorCode::Internal, "generation step " + std::to_string(s) + ": no logits at position " +
                                                          std::to_string(query));
            }
            step.id = chooser.choose(logits, c.vocabSize, step.top);
            out.ids.push_back(step.id);
            out.steps.push_back(std::move(step));
            if (options.progress && !options.progress(s + 1, options.maxNewTokens)) {
                return makeError(ErrorCode::Cancelled, "cancelled");
            }
            if (c.eosTokenId >= 0 && out.ids.back() == c.eosTokenId) {
                out.stoppedAtEos = true;
                break;
            }
        }
        return out;
    });
}

}  // namespace attnviz::core
