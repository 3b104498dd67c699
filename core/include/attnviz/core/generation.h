// Generating text token by token, for decoder-only models (generateCausal)
// and encoder-decoder models (Seq2SeqModel::generate): greedy by default,
// sampling with a temperature, top-k and a seed as options, stopping after
// EOS; every step records the attention row of the query that produced the
// token. Both keep each layer's keys and values, so a step computes one new
// row, not the whole sequence again.
#pragma once

#include "attnviz/core/attention_block.h"
#include "attnviz/core/mask_mode.h"
#include "attnviz/core/result.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace attnviz::core {

class Model;

// One of the most probable next tokens of a step.
struct Candidate {
    std::int32_t id = 0;
    float probability = 0.0f;  // softmax of the logits (divided by the temperature when sampling)
    float logit = 0.0f;
};

struct GenerateOptions {
    int maxNewTokens = 20;
    double temperature = 0.0;  // 0: greedy (argmax); > 0: sample from softmax(logits / temperature)
    int topK = 0;              // sampling: only the k most probable (0: all)
    std::uint64_t seed = 0;    // sampling: the random stream
    int candidates = 5;        // how many top tokens each step reports
    MaskMode encoderMask;      // Default: bidirectional
    const std::atomic<bool>* cancel = nullptr;
    // Called after each step with (steps done, maxNewTokens); false cancels.
    std::function<bool(int done, int total)> progress;
};

// Step s of a decoder-only model: the query at position P - 1 + s (P prompt
// tokens) emitted ids[P + s].
struct CausalGenerationStep {
    std::int32_t id = 0;         // the emitted token
    std::vector<Candidate> top;  // most probable first
    AttentionBlock self;         // (L, H, 1, P + s): the query's attention row over positions 0..P-1+s
};

struct CausalGeneration {
    std::vector<std::int32_t> ids;  // the prompt, then one per step
    int promptLength = 0;
    std::vector<CausalGenerationStep> steps;
    bool stoppedAtEos = false;
    std::vector<std::int32_t> newIds() const { return {ids.begin() + promptLength, ids.end()}; }
};

// Generates after `prompt` with a causal model (its own mask; refused for
// bidirectional encoders). options.encoderMask is not used.
Result<CausalGeneration> generateCausal(const Model& model, std::span<const std::int32_t> prompt,
                                        const GenerateOptions& options);

}  // namespace attnviz::core
