// One row per architecture: the config.json model_type values that name it,
// how it was trained to attend, where its positions come from, its tensor
// names and list, and the forward pass that runs it. Adding an architecture
// means a row here, its names (weight_names.cpp), its tensor list
// (architecture_tensors.cpp), the config fields it reads (model_config.cpp)
// and a forward file.
#pragma once

#include "architecture_tensors.h"
#include "weight_names.h"

#include "attnviz/core/model.h"
#include "attnviz/core/model_config.h"
#include "attnviz/core/weight_store.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz::core {

enum class PositionScheme {
    Learned,  // a position table: it bounds the input length
    Rotary,   // RoPE on queries and keys: no table, no hard bound
};

struct ArchitectureInfo {
    Architecture architecture;
    std::vector<std::string> modelTypes;  // config.json "model_type"
    bool bidirectional = false;           // trained without a causal mask (encoders)
    PositionScheme positions = PositionScheme::Learned;
    const WeightNameTable& (*names)() = nullptr;
    std::vector<TensorSpec> (*tensors)(const ModelConfig&) = nullptr;
    Result<std::unique_ptr<Model>> (*create)(ModelConfig, std::unique_ptr<WeightStore>, const ProgressFn&) = nullptr;
};

// Every architecture, in the order "supported: ..." lists them.
const std::vector<ArchitectureInfo>& architectures();
const ArchitectureInfo& architectureInfo(Architecture architecture);
// Null for a model_type attnviz does not run.
const ArchitectureInfo* architectureForModelType(std::string_view modelType);

}  // namespace attnviz::core
