// Seeded random encoder-decoder models (make-model presets tiny-t5,
// tiny-flan-t5, tiny-bart, tiny-marian and real shapes such as t5-base):
// every tensor the T5 or BART/Marian loader binds, in Hugging Face names.
#pragma once

#include "../models/random_weights.h"

#include "attnviz/core/seq2seq_config.h"

#include <string>
#include <utility>
#include <vector>

namespace attnviz::core {

// Name and config.json of every encoder-decoder preset.
const std::vector<std::pair<std::string, std::string>>& seq2seqPresets();

Status randomSeq2SeqWeights(const Seq2SeqConfig& config, const RandomModelOptions& options, const WeightSink& sink);

}  // namespace attnviz::core
