// Every tensor of each architecture family, written once: its role, whether
// it repeats per layer, its shape for a config, whether loading needs it and
// how make-model fills it. A model's create() binds exactly this list (shape
// checks and missing-tensor errors come from it) and the random writer
// writes exactly this list, in this order.
#pragma once

#include "attnviz/core/model_config.h"
#include "weight_names.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace attnviz::core {

enum class TensorScope { Once, PerLayer };

enum class TensorNeed {
    Absent,    // not part of this config (e.g. biases when attention_bias is false); dropped from the list
    Required,  // loading fails without it
    Optional,  // used when the file has it; the model falls back otherwise
    Ignored,   // known and never read (buffers, tied copies, the pooler): no warning, shape not checked
};

enum class TensorInit {
    None,      // make-model leaves it out
    Weight,    // N(0, weightStd)
    QkWeight,  // N(0, qkScale weightStd): query and key projections
    Gain,      // 1 + N(0, normGainStd)
    Bias,      // N(0, weightStd)
};

struct TensorSpec {
    TensorRole role;
    TensorScope scope = TensorScope::Once;
    std::vector<std::int64_t> shape;
    TensorNeed need = TensorNeed::Required;
    TensorInit init = TensorInit::None;
    // Part of a group that is all there or all absent, keyed on this tensor
    // (BERT's masked-LM head): when the file lacks it, this entry is skipped.
    std::optional<TensorRole> onlyWith = std::nullopt;
    // PerLayer tensors exist from this layer on (ModernBERT's layer 0 has no
    // attention norm).
    int fromLayer = 0;
};

// One tensor of a checkpoint: a spec at one layer (-1 for Once tensors).
struct TensorSlot {
    const TensorSpec* spec = nullptr;
    int layer = -1;
};

// `specs` without the entries this config does not have (TensorNeed::Absent).
std::vector<TensorSpec> presentTensors(std::vector<TensorSpec> specs);

// The lists of the first families (each defined in its <family>_architecture.cpp).
// Post-LN encoders: BERT, RoBERTa, DistilBERT.
std::vector<TensorSpec> bertTensors(const ModelConfig& c);
// GPT-2.
std::vector<TensorSpec> gpt2Tensors(const ModelConfig& c);
// Pre-RMSNorm rotary decoders: Llama, Mistral, Qwen2.
std::vector<TensorSpec> llamaTensors(const ModelConfig& c);
// The list of `c`'s architecture.
std::vector<TensorSpec> architectureTensors(const ModelConfig& c);

// In file order: Once tensors where they stand, each run of PerLayer tensors
// repeated for layer 0, 1, ... nLayers - 1.
std::vector<TensorSlot> expandTensors(const std::vector<TensorSpec>& specs, int nLayers);

}  // namespace attnviz::core
