// GPT-2: pre-LN decoder with learned positions, fused Conv1D c_attn, GELU
// (tanh approximation), causal by training.
#pragma once

#include "forward_steps.h"

#include "attnviz/core/model.h"
#include "attnviz/core/ops.h"
#include "attnviz/core/weight_store.h"

#include <memory>
#include <vector>

namespace attnviz::core {

class Gpt2Model final : public Model {
public:
    static Result<std::unique_ptr<Model>> create(ModelConfig config, std::unique_ptr<WeightStore> store,
                                                 const ProgressFn& progress);

protected:
    bool reusesPrefixes() const override { return true; }
    Status forward(std::span<const std::int32_t> ids, std::span<const std::int32_t> types,
                   const RunOptions& options, AttentionTrace& trace) const override;

private:
    // ln_1, attn.c_attn (dModel -> 3 dModel, Conv1D layout: q | k | v),
    // attn.c_proj (dModel -> dModel), ln_2, mlp.c_fc (dModel -> dFF),
    // mlp.c_proj (dFF -> dModel).
    using Layer = LayerNormLayer;

    explicit Gpt2Model(ModelConfig config) : Model(std::move(config)) {}

    std::unique_ptr<WeightStore> m_store;
    // wte (vocab, dModel), wpe (maxPositions, dModel), h.{L}, ln_f, lm_head
    // (dModel -> vocab), tied to wte unless stored.
    LayerNormDecoder m_weights;
    Activation m_activation = Activation::GeluTanh;
};

}  // namespace attnviz::core
