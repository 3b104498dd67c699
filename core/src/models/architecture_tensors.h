// Every tensor of each architecture family, written once: its role, whether
// it repeats per layer, its shape for a config, whether loading needs it and
// how make-model fills it. A model's create() binds exactly this list (shape
// checks and missing-tensor errors come from it) and the random writer
// writes exactly this list, in this order.
#pragma once

#include "attnviz/core/model_config.h"
#include "weight_names.h"

#include <cstdint>
#include <initializer_list>
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

// The short names tensor tables are written with: each descriptor file says
// `using namespace tensor_table;` in its anonymous namespace.
namespace tensor_table {
using R = TensorRole;
using N = TensorNeed;
using I = TensorInit;
inline constexpr TensorScope kOnce = TensorScope::Once;
inline constexpr TensorScope kLayer = TensorScope::PerLayer;
// Required when the config has it (a bias switch, a projection), else Absent.
constexpr TensorNeed requiredIf(bool present) { return present ? TensorNeed::Required : TensorNeed::Absent; }
}  // namespace tensor_table

// `specs` without the entries this config does not have (TensorNeed::Absent).
std::vector<TensorSpec> presentTensors(std::vector<TensorSpec> specs);
// `parts` one after the other, without the Absent entries.
std::vector<TensorSpec> joinTensors(std::initializer_list<std::vector<TensorSpec>> parts);

// The lists of the first families (each defined in its <family>_architecture.cpp).
// Post-LN encoders: BERT, RoBERTa, DistilBERT.
std::vector<TensorSpec> bertTensors(const ModelConfig& c);
// GPT-2.
std::vector<TensorSpec> gpt2Tensors(const ModelConfig& c);
// Pre-RMSNorm rotary decoders: Llama, Mistral, Qwen2.
std::vector<TensorSpec> llamaTensors(const ModelConfig& c);

// Rows several families share, each defined in the file of the family it
// comes from.
// BERT's embeddings: word, position and token-type tables of width `width`
// (dModel, or embedding_size for ALBERT and ELECTRA), their LayerNorm, the
// position_ids buffer. `types`: the need of the token-type table.
std::vector<TensorSpec> bertEmbeddingTensors(const ModelConfig& c, std::int64_t width, TensorNeed types);
// BERT's post-LN encoder layer: q, k, v, output dense, LayerNorm, FFN in and
// out, LayerNorm, each with its bias. `scope`: PerLayer, or Once for ALBERT's
// one shared layer.
std::vector<TensorSpec> bertEncoderLayerTensors(const ModelConfig& c, TensorScope scope);
// BERT's masked-LM head: dense (dModel -> width), LayerNorm(width), decoder
// (vocab, width) with need `decoder`, bias. Optional, all there when its
// dense weight is.
std::vector<TensorSpec> bertMlmHeadTensors(const ModelConfig& c, std::int64_t width, TensorNeed decoder);
// Llama's attention block: input norm (init `normInit`), q, k, v (grouped
// query heads, need `qkvBias` for their biases), o_proj (bias `outBias`).
std::vector<TensorSpec> llamaAttentionTensors(const ModelConfig& c, TensorInit normInit, TensorNeed qkvBias,
                                              TensorNeed outBias);
// Llama's gated MLP: gate, up, down without biases.
std::vector<TensorSpec> llamaMlpTensors(const ModelConfig& c);
// A GPT-NeoX-style layer: LayerNorm, fused query_key_value (`qkvRows` rows),
// dense (dModel, `outCols`), LayerNorm, dense_h_to_4h, dense_4h_to_h; the
// attention biases have need `attnBias`, the MLP's `mlpBias`.
std::vector<TensorSpec> neoxLayerTensors(const ModelConfig& c, std::int64_t qkvRows, std::int64_t outCols,
                                         TensorNeed attnBias, TensorNeed mlpBias);
// The list of `c`'s architecture.
std::vector<TensorSpec> architectureTensors(const ModelConfig& c);

// In file order: Once tensors where they stand, each run of PerLayer tensors
// repeated for layer 0, 1, ... nLayers - 1.
std::vector<TensorSlot> expandTensors(const std::vector<TensorSpec>& specs, int nLayers);

}  // namespace attnviz::core
