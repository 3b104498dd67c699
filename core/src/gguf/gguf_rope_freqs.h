// Llama 3.1+ GGUF files carry their rope scaling as a tensor,
// `rope_freqs.weight`: one divisor per rotary frequency, which llama.cpp's
// converter computes from the Hugging Face config's rope_scaling (llama3:
// factor, low_freq_factor, high_freq_factor, original_max_position_embeddings).
// The engine computes those divisors from the parameters, so the parameters
// are recovered here and checked against every stored divisor.
#pragma once

#include "attnviz/core/gguf_file.h"
#include "attnviz/core/result.h"

#include <nlohmann/json.hpp>

#include <vector>

namespace attnviz::core {

// The divisors llama.cpp's converter writes for llama3 rope scaling, one per
// rotary frequency (dim / 2 of them).
std::vector<double> llama3RopeDivisors(double base, int dim, double factor, double lowFreqFactor,
                                       double highFreqFactor, double originalPositions);

// Adds "rope_scaling" to `config` when the file has rope_freqs.weight; an
// Unsupported error when its divisors are not llama3 scaling.
Status llama3RopeScalingFromFactors(const GgufFile& file, nlohmann::json& config);

}  // namespace attnviz::core
