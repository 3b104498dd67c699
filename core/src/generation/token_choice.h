// How each generation step picks its token from the logits (greedy, or
// sampled with a temperature and top-k from a seeded stream), and the check
// of the options both generators share.
#pragma once

#include "attnviz/core/generation.h"

#include <random>

namespace attnviz::core {

// An error naming the option that is out of range; `maxNewTokens` is the
// most the model can take.
Status checkGenerateOptions(const GenerateOptions& options, int maxNewTokens);

class TokenChooser {
public:
    explicit TokenChooser(const GenerateOptions& options) : m_options(options), m_random(options.seed) {}
    // The chosen id of `logits` (vocab), and its options.candidates most
    // probable ids (ties: the lower id first, as argmax takes the first).
    std::int32_t choose(const float* logits, int vocab, std::vector<Candidate>& top);

private:
    GenerateOptions m_options;
    std::mt19937_64 m_random;
};

}  // namespace attnviz::core
