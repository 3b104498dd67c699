#include "token_choice.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace attnviz::core {

namespace {

constexpr int kMaxCandidates = 100;

// Indices of `logits` ordered by value, largest first (ties: lower id
// first); only the first `count`.
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

// softmax(logits / temperature) over every id, in double (temperature 0: 1).
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

Status checkGenerateOptions(const GenerateOptions& options, int maxNewTokens) {
    if (options.maxNewTokens < 1 || options.maxNewTokens > maxNewTokens) {
        return makeError(ErrorCode::InvalidInput, "max new tokens is " + std::to_string(options.maxNewTokens) +
                                                      "; it must be between 1 and " + std::to_string(maxNewTokens));
    }
    if (!std::isfinite(options.temperature) || options.temperature < 0) {
        return makeError(ErrorCode::InvalidInput, "the temperature must be a number >= 0 (0: greedy)");
    }
    if (options.topK < 0) return makeError(ErrorCode::InvalidInput, "top-k must be >= 0 (0: every token)");
    if (options.candidates < 1 || options.candidates > kMaxCandidates) {
        return makeError(ErrorCode::InvalidInput, "the candidates per step must be between 1 and " +
                                                      std::to_string(kMaxCandidates));
    }
    return {};
}

std::int32_t TokenChooser::choose(const float* logits, int vocab, std::vector<Candidate>& top) {
    const std::vector<double> p = probabilities(logits, vocab, m_options.temperature);
    top.clear();
    for (int id : topIndices(logits, vocab, m_options.candidates)) {
        top.push_back({id, static_cast<float>(p[static_cast<std::size_t>(id)]), logits[id]});
    }
    if (m_options.temperature == 0) return top.front().id;
    // Sample among the top-k (or every id), renormalised.
    const int k = m_options.topK > 0 ? std::min(m_options.topK, vocab) : vocab;
    const std::vector<int> pool = topIndices(logits, vocab, k);
    double total = 0;
    for (int id : pool) total += p[static_cast<std::size_t>(id)];
    double u = std::uniform_real_distribution<double>(0.0, total)(m_random);
    for (int id : pool) {
        u -= p[static_cast<std::size_t>(id)];
        if (u < 0) return id;
    }
    return pool.back();
}

}  // namespace attnviz::core
