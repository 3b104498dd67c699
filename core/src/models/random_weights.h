// The seeded values of a random model, tensor by tensor in the
// architecture's order and Hugging Face names, for the writers of each file
// format (safetensors in random_model.cpp, GGUF in gguf/gguf_random.cpp).
#pragma once

#include "attnviz/core/model_config.h"
#include "attnviz/core/random_model.h"
#include "attnviz/core/safetensors_writer.h"

#include <functional>
#include <vector>

namespace attnviz::core {

// The filler must be called for tensors 0, 1, 2, ... in order: the values
// come from one seeded stream.
using WeightSink = std::function<Status(const std::vector<SafetensorsWriter::Entry>&, const SafetensorsWriter::Filler&)>;
Status randomWeights(const ModelConfig& config, const RandomModelOptions& options, const WeightSink& sink);

}  // namespace attnviz::core
