// Falcon, new decoder architecture (Falcon-40B/180B): fused query_key_value
// grouped per kv head, grouped-query attention with RoPE, and a parallel
// block x + dense(attn(ln_attn(x))) + mlp(ln_mlp(x)), causal by training.
#pragma once

#include "forward_steps.h"

#include "attnviz/core/model.h"
#include "attnviz/core/ops.h"
#include "attnviz/core/weight_store.h"

#include <memory>
#include <vector>

namespace attnviz::core {

class FalconModel final : public Model {
public:
    static Result<std::unique_ptr<Model>> create(ModelConfig config, std::unique_ptr<WeightStore> store,
                                                 const ProgressFn& progress);

protected:
    bool reusesPrefixes() const override { return true; }
    Status forward(std::span<const std::int32_t> ids, std::span<const std::int32_t> types,
                   const RunOptions& options, AttentionTrace& trace) const override;

private:
    // ln_attn, self_attention.query_key_value (dModel -> (nHeads + 2
    // nKvHeads) headDim), self_attention.dense (nHeads headDim -> dModel),
    // ln_mlp, mlp.dense_h_to_4h (dModel -> dFF), mlp.dense_4h_to_h
    // (dFF -> dModel).
    using Layer = LayerNormLayer;

    explicit FalconModel(ModelConfig config) : Model(std::move(config)) {}

    std::unique_ptr<WeightStore> m_store;
    // word_embeddings (vocab, dModel), h.{L}, ln_f, lm_head (dModel -> vocab),
    // tied to word_embeddings unless untied; no position table (RoPE).
    LayerNormDecoder m_weights;
    Activation m_activation = Activation::GeluErf;
    RopeScalingParams m_rope;
};

}  // namespace attnviz::core
