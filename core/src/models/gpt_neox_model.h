// GPT-NeoX (Pythia): pre-LN decoder with a fused per-head query_key_value,
// rotary positions on the leading rotary_pct of each head, and a parallel
// residual (attention and MLP read the same input), causal by training.
#pragma once

#include "forward_steps.h"

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
    bool reusesPrefixes() const override { return true; }
    Status forward(std::span<const std::int32_t> ids, std::span<const std::int32_t> types,
                   const RunOptions& options, AttentionTrace& trace) const override;

private:
    // input_layernorm, attention.query_key_value (dModel -> nHeads 3 headDim,
    // per head [q k v]), attention.dense (dModel -> dModel),
    // post_attention_layernorm, mlp.dense_h_to_4h (dModel -> dFF),
    // mlp.dense_4h_to_h (dFF -> dModel).
    using Layer = LayerNormLayer;

    explicit GptNeoXModel(ModelConfig config) : Model(std::move(config)) {}

    std::unique_ptr<WeightStore> m_store;
    // embed_in (vocab, dModel), layers.{L}, final_layer_norm, embed_out
    // (dModel -> vocab), or embed_in when tied; no position table (RoPE).
    LayerNormDecoder m_weights;
    Activation m_activation = Activation::GeluErf;
    RopeScalingParams m_rope;
};

}  // namespace attnviz::core
