// GPT-NeoX (Pythia): pre-LN decoder with a fused per-head query_key_value,
// rotary positions on the leading rotary_pct of each head, and a parallel
// residual (attention and MLP read the same input), causal by training.
#pragma once

#include "attnviz/core/model.h"
#include "attnviz/core/ops.h"
#include "attnviz/core/weight_store.h"

#include <memory>
#include <vector>

namespace attnviz::core {

class GptNeoXModel final : public Model {
public:
    static Result<std::unique_ptr<Model>> create(ModelConfig config, std::unique_ptr<WeightStore> store,
                                                 const ProgressFn& progress);

protected:
    Status forward(std::span<const std::int32_t> ids, std::span<const std::int32_t> types,
                   const RunOptions& options, AttentionTrace& trace) const override;

private:
    struct Layer {
        const float* attnNormGain = nullptr;  // input_layernorm
        const float* attnNormBias = nullptr;
        Linear qkv;                           // query_key_value (dModel -> nHeads 3 headDim), per head [q k v]
        Linear out;                           // attention.dense (dModel -> dModel)
        const float* ffnNormGain = nullptr;   // post_attention_layernorm
        const float* ffnNormBias = nullptr;
        Linear ffnIn;                         // mlp.dense_h_to_4h (dModel -> dFF)
        Linear ffnOut;                        // mlp.dense_4h_to_h (dFF -> dModel)
    };

    explicit GptNeoXModel(ModelConfig config) : Model(std::move(config)) {}

    std::unique_ptr<WeightStore> m_store;
    const float* m_tokenEmbedding = nullptr;  // embed_in (vocab, dModel)
    std::vector<Layer> m_layers;
    const float* m_finalNormGain = nullptr;   // final_layer_norm
    const float* m_finalNormBias = nullptr;
    Linear m_lmHead;                          // embed_out (dModel -> vocab), or embed_in when tied
    Activation m_activation = Activation::GeluErf;
    RopeScalingParams m_rope;
};

}  // namespace attnviz::core
