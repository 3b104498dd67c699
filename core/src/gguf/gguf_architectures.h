// GGUF architectures attnviz runs: for each `general.architecture`, the
// engine family, the Hugging Face config it builds from `<arch>.*` metadata,
// and the GGUF name of every tensor role (the GGUF column of the family's
// name table, core/src/models/weight_names.h).
#pragma once

#include "../models/weight_names.h"

#include "attnviz/core/gguf_file.h"
#include "attnviz/core/result.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace attnviz::core {

// How a GGUF tensor's rows map to the Hugging Face tensor's.
enum class GgufRowOrder {
    Same,
    LlamaRope,   // llama.cpp's Q/K permutation for adjacent-pair RoPE, undone per head
    Transposed,  // GPT-2 Conv1D: HF stores (in, out)
    NeoxQkv,     // GPT-NeoX fused q/k/v: HF rows (head, q|k|v, dim), GGUF rows (q|k|v, head, dim)
};

struct GgufTensorName {
    std::string gguf;  // "{L}" stands for the layer index
    GgufRowOrder order = GgufRowOrder::Same;
    float addToValues = 0.0f;  // Gemma: llama.cpp stores norm gains + 1
};

struct GgufArchitecture {
    std::string name;       // general.architecture
    std::string modelType;  // the Hugging Face model_type it becomes
    std::map<TensorRole, GgufTensorName> tensors;
    // Hugging Face tensors llama.cpp's converter leaves out (BERT's
    // masked-LM head and pooler): the GGUF model runs without them.
    std::vector<TensorRole> dropped;
    // Fills the Hugging Face config fields from the metadata (`<arch>.` keys).
    Status (*config)(const GgufFile& file, const std::string& arch, nlohmann::json& out);
};

// Null when attnviz does not run `name`.
const GgufArchitecture* findGgufArchitecture(const std::string& name);
std::vector<std::string> ggufArchitectureNames();

}  // namespace attnviz::core
