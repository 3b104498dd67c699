// Gemma and Gemma 2: Llama-like rotary decoders with embeddings scaled by
// sqrt(dModel), RMSNorms with gain (1 + w), a head size of their own and a
// GeGLU MLP. Gemma 2 adds attention-logit soft-capping, its own query scale,
// norms after attention and after the MLP, sliding-window layers (even
// layers, from the config's layer kinds) and final-logit soft-capping.
#pragma once

#include "attnviz/core/model.h"
#include "attnviz/core/ops.h"
#include "attnviz/core/weight_store.h"

#include <memory>
#include <vector>

namespace attnviz::core {

class GemmaModel final : public Model {
public:
    static Result<std::unique_ptr<Model>> create(ModelConfig config, std::unique_ptr<WeightStore> store,
                                                 const ProgressFn& progress);

protected:
    bool reusesPrefixes() const override { return true; }
    Status forward(std::span<const std::int32_t> ids, std::span<const std::int32_t> types,
                   const RunOptions& options, AttentionTrace& trace) const override;

private:
    // RMSNorm gains are stored as w and used as (1 + w): kept here as 1 + w.
    using Gain = std::vector<float>;  // (dModel)

    struct Layer {
        Gain attnNorm;         // input_layernorm
        Linear q;              // (dModel -> nHeads headDim)
        Linear k, v;           // (dModel -> nKvHeads headDim)
        Linear out;            // o_proj (nHeads headDim -> dModel)
        Gain attnOutNorm;      // Gemma 2 post_attention_layernorm (empty for Gemma)
        Gain ffnNorm;          // Gemma post_attention_layernorm, Gemma 2 pre_feedforward_layernorm
        Linear gate, up;       // (dModel -> dFF)
        Linear down;           // (dFF -> dModel)
        Gain ffnOutNorm;       // Gemma 2 post_feedforward_layernorm (empty for Gemma)
    };

    explicit GemmaModel(ModelConfig config) : Model(std::move(config)) {}

    std::unique_ptr<WeightStore> m_store;
    const float* m_tokenEmbedding = nullptr;  // (vocab, dModel)
    std::vector<Layer> m_layers;
    Gain m_finalNorm;
    Linear m_lmHead;                          // (dModel -> vocab)
    RopeScalingParams m_rope;
    Activation m_activation = Activation::GeluTanh;
};

}  // namespace attnviz::core
