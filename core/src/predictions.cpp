#include "attnviz/core/predictions.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace attnviz::core {
namespace {

Status checkLogits(const AttentionTrace& trace, std::span<const int> positions) {
    if (trace.logits.empty() || trace.vocabSize <= 0) {
        return makeError(ErrorCode::InvalidInput,
                         "the run has no logits (it was not asked to compute the language-model head)");
    }
    for (int p : positions) {
        if (p < 0 || p >= trace.seqLen()) {
            return makeError(ErrorCode::InvalidInput, "position " + std::to_string(p) + " is outside the " +
                                                          std::to_string(trace.seqLen()) + " tokens");
        }
        if (trace.logitsAt(p) == nullptr) {
            return makeError(ErrorCode::InvalidInput, "the run did not compute the logits of position " +
                                                          std::to_string(p) + " (RunOptions::logitPositions)");
        }
    }
    return Status::success();
}

// log(sum(exp(row))) computed stably in double.
double logSumExp(const float* row, int n) {
    const float maxValue = *std::max_element(row, row + n);
    double sum = 0.0;
    for (int j = 0; j < n; ++j) sum += std::exp(static_cast<double>(row[j]) - maxValue);
    return maxValue + std::log(sum);
}

}  // namespace

bool isMaskPiece(std::string_view piece) { return piece == "[MASK]" || piece == "<mask>"; }

std::vector<int> predictionPositions(const ModelConfig& config, const std::vector<Token>& tokens) {
    std::vector<int> positions;
    if (tokens.empty()) return positions;
    if (!config.isEncoder()) {
        positions.push_back(static_cast<int>(tokens.size()) - 1);
        return positions;
    }
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        if (tokens[i].special && isMaskPiece(tokens[i].piece)) positions.push_back(static_cast<int>(i));
    }
    return positions;
}

Result<std::vector<PositionPrediction>> topPredictions(const AttentionTrace& trace, std::span<const int> positions,
                                                       int k) {
    if (Status s = checkLogits(trace, positions); !s) return s.takeError();
    const int V = trace.vocabSize;
    k = std::clamp(k, 1, V);
    std::vector<PositionPrediction> out;
    std::vector<int> order(static_cast<std::size_t>(V));
    for (int p : positions) {
        const float* row = trace.logitsAt(p);  // (vocab)
        const double lse = logSumExp(row, V);
        std::iota(order.begin(), order.end(), 0);
        std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int a, int b) {
            return row[a] > row[b] || (row[a] == row[b] && a < b);
        });
        PositionPrediction pp;
        pp.position = p;
        for (int r = 0; r < k; ++r) {
            const int id = order[static_cast<std::size_t>(r)];
            pp.top.push_back({id, static_cast<float>(std::exp(row[id] - lse)), row[id]});
        }
        out.push_back(std::move(pp));
    }
    return out;
}

Result<double> meanCrossEntropy(const AttentionTrace& trace, std::span<const int> positions,
                                std::span<const std::int32_t> targets) {
    if (Status s = checkLogits(trace, positions); !s) return s.takeError();
    if (positions.size() != targets.size() || positions.empty()) {
        return makeError(ErrorCode::InvalidInput, "need one target per position (got " +
                                                      std::to_string(targets.size()) + " targets for " +
                                                      std::to_string(positions.size()) + " positions)");
    }
    const int V = trace.vocabSize;
    double total = 0.0;
    for (std::size_t i = 0; i < positions.size(); ++i) {
        if (targets[i] < 0 || targets[i] >= V) {
            return makeError(ErrorCode::InvalidInput,
                             "target id " + std::to_string(targets[i]) + " is outside the vocabulary");
        }
        const float* row = trace.logitsAt(positions[i]);  // (vocab)
        total += logSumExp(row, V) - row[targets[i]];
    }
    return total / static_cast<double>(positions.size());
}

}  // namespace attnviz::core
