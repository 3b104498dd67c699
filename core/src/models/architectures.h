// One descriptor per architecture: the config.json model_type values that
// name it, how it was trained to attend, where its positions come from, its
// tensor names and list, its config reader, its make-model presets and the
// forward pass that runs it. Adding an architecture means one descriptor file
// (core/src/models/<name>_architecture.cpp, listed in architectures.cpp) and
// one forward file; README.md "Adding an architecture" walks through it.
#pragma once

#include "architecture_tensors.h"
#include "weight_names.h"

#include "attnviz/core/model.h"
#include "attnviz/core/model_config.h"
#include "attnviz/core/weight_store.h"

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz::core {

enum class PositionScheme {
    Learned,  // a position table: it bounds the input length
    Rotary,   // RoPE on queries and keys: no table, no hard bound
};

class ConfigReader;

struct ArchitectureInfo {
    Architecture architecture;
    std::vector<std::string> modelTypes;  // config.json "model_type"
    bool bidirectional = false;           // trained without a causal mask (encoders)
    PositionScheme positions = PositionScheme::Learned;
    const WeightNameTable& (*names)() = nullptr;
    std::vector<TensorSpec> (*tensors)(const ModelConfig&) = nullptr;
    Result<std::unique_ptr<Model>> (*create)(ModelConfig, std::unique_ptr<WeightStore>, const ProgressFn&) = nullptr;
    // Reads the family's config.json fields (sizes, eps, layer kinds, ...).
    void (*readConfig)(const nlohmann::json&, ConfigReader&, ModelConfig&) = nullptr;
    // make-model presets: name and config.json (a tiny one for tests, a
    // realistic one for benchmarks).
    std::vector<std::pair<std::string, std::string>> presets = {};
};

// The descriptors, one per architecture (core/src/models/<name>_architecture.cpp).
ArchitectureInfo bertArchitecture();
ArchitectureInfo robertaArchitecture();
ArchitectureInfo distilBertArchitecture();
ArchitectureInfo gpt2Architecture();
ArchitectureInfo llamaArchitecture();
ArchitectureInfo mistralArchitecture();
ArchitectureInfo qwen2Architecture();
ArchitectureInfo gemmaArchitecture();
ArchitectureInfo gemma2Architecture();
ArchitectureInfo phi3Architecture();
ArchitectureInfo gptNeoXArchitecture();
ArchitectureInfo falconArchitecture();
ArchitectureInfo albertArchitecture();
ArchitectureInfo electraArchitecture();
ArchitectureInfo longformerArchitecture();
ArchitectureInfo modernBertArchitecture();
ArchitectureInfo gptNeoArchitecture();
ArchitectureInfo optArchitecture();

// Every architecture, in the order "supported: ..." lists them.
const std::vector<ArchitectureInfo>& architectures();
const ArchitectureInfo& architectureInfo(Architecture architecture);
// Null for a model_type attnviz does not run.
const ArchitectureInfo* architectureForModelType(std::string_view modelType);

}  // namespace attnviz::core
