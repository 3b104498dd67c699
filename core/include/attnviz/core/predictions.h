// What the model predicts, so people can see it is real: the top-k next
// tokens of a causal model, or the top-k fillers of each mask token of a
// masked language model, with probabilities (softmax of the LM-head logits).
#pragma once

#include "attnviz/core/attention_trace.h"
#include "attnviz/core/model_config.h"
#include "attnviz/core/result.h"
#include "attnviz/core/tokenizer.h"

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace attnviz::core {

struct TokenPrediction {
    std::int32_t id = 0;
    float probability = 0.0f;
    float logit = 0.0f;
};

struct PositionPrediction {
    int position = 0;                  // the query position whose logits are read
    std::vector<TokenPrediction> top;  // most probable first
};

// "[MASK]" (BERT, ALBERT) or "<mask>" (RoBERTa).
bool isMaskPiece(std::string_view piece);

// Causal models: the last position (it predicts the next token). Masked LMs
// (encoders): every position holding a mask token; empty when there is none.
std::vector<int> predictionPositions(const ModelConfig& config, const std::vector<Token>& tokens);

// Top-k of softmax(logits) at each position. The trace must carry logits
// (RunOptions::computeLogits).
Result<std::vector<PositionPrediction>> topPredictions(const AttentionTrace& trace, std::span<const int> positions,
                                                       int k);

// Mean cross-entropy (nats) of `targets[i]` under the logits at `positions[i]`.
Result<double> meanCrossEntropy(const AttentionTrace& trace, std::span<const int> positions,
                                std::span<const std::int32_t> targets);

}  // namespace attnviz::core
