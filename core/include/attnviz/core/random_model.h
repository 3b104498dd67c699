// Seeded random models written as real Hugging Face folders (config.json +
// model.safetensors): tiny fixtures for tests, full-size shapes for benchmarks.
#pragma once

#include "attnviz/core/dtype.h"
#include "attnviz/core/result.h"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace attnviz::core {

struct RandomModelOptions {
    std::uint64_t seed = 1;
    DType dtype = DType::F32;
    float weightStd = 0.02f;     // N(0, std) for matrices and biases
    float normGainStd = 0.1f;    // norm gains 1 + N(0, std)
    float qkScale = 1.0f;        // multiplies query/key weights: larger = peakier attention
};

// Names of the presets: "bert-base", "gpt2-small", "llama-1b", "tiny-bert",
// "tiny-roberta", "tiny-distilbert", "tiny-gpt2", "tiny-llama", "tiny-mistral", "tiny-qwen2".
// (Decoder-only and encoder models: what loadModel opens.)
std::vector<std::string> randomModelPresets();
// The encoder-decoder presets (loadSeq2SeqModel): "tiny-t5", "t5-base", ...
std::vector<std::string> randomSeq2SeqPresets();
// The config.json text of a preset.
Result<std::string> randomModelConfig(const std::string& preset);

// Writes config.json (the given text) and model.safetensors with every tensor
// the architecture needs, in Hugging Face names and layouts.
Status writeRandomModel(const std::string& configJson, const std::filesystem::path& dir,
                        const RandomModelOptions& options);
// Only the model.safetensors of that model, into an open file (`name` names
// it in errors), for callers that write through a temporary file.
Status writeRandomWeights(const std::string& configJson, std::FILE* out, const std::string& name,
                          const RandomModelOptions& options);

}  // namespace attnviz::core
