// GPT-Neo: a pre-LN decoder with learned positions, separate q/k/v
// projections without bias, unscaled scores (q.k, no 1/sqrt(d)) and layers
// that alternate between global causal attention and a causal local window.
#pragma once

#include "forward_steps.h"

#include "attnviz/core/model.h"
#include "attnviz/core/ops.h"
#include "attnviz/core/weight_store.h"

#include <memory>
#include <vector>

namespace attnviz::core {

class GptNeoModel final : public Model {
public:
    static Result<std::unique_ptr<Model>> create(ModelConfig config, std::unique_ptr<WeightStore> store,
                                                 const ProgressFn& progress);

protected:
    bool reusesPrefixes() const override { return true; }
    Status forward(std::span<const std::int32_t> ids, std::span<const std::int32_t> types,
                   const RunOptions& options, AttentionTrace& trace) const override;

private:
    // ln_1, attn.attention.q_proj / k_proj / v_proj (dModel -> dModel, no
    // bias), out_proj (dModel -> dModel, with bias), ln_2, mlp.c_fc
    // (dModel -> dFF), mlp.c_proj (dFF -> dModel).
    using Layer = LayerNormLayer;

    explicit GptNeoModel(ModelConfig config) : Model(std::move(config)) {}

    std::unique_ptr<WeightStore> m_store;
    // wte (vocab, dModel), wpe (maxPositions, dModel), h.{L}, ln_f, lm_head
    // (dModel -> vocab), tied to wte unless untied (then stored, required).
    LayerNormDecoder m_weights;
    Activation m_activation = Activation::GeluTanh;
};

}  // namespace attnviz::core
