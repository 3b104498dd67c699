// The tiny make-model presets (one per architecture, 2 layers, 2 heads,
// vocabulary 50) as config.json text and model.safetensors bytes, made once
// per process with core's random model writer.
#pragma once

#include <string>
#include <vector>

namespace attnviz::fuzz {

struct TinyModel {
    std::string preset;
    std::string config;       // config.json
    std::string safetensors;  // model.safetensors (F32)
};

// Every tiny-* preset, sorted by name (the same order in every process).
const std::vector<TinyModel>& tinyModels();

}  // namespace attnviz::fuzz
