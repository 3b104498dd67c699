// Llama, Mistral, Qwen2 and Phi-3: pre-RMSNorm decoders with rotary
// positions, grouped-query attention and a SwiGLU MLP, causal by training
// (Mistral and Phi-3 with a sliding window when configured). Phi-3's fused
// qkv_proj and gate_up_proj are bound as views of their rows.
#pragma once

#include "attnviz/core/model.h"
#include "attnviz/core/ops.h"
#include "attnviz/core/weight_store.h"

#include <memory>
#include <vector>

namespace attnviz::core {

class LlamaModel final : public Model {
public:
    static Result<std::unique_ptr<Model>> create(ModelConfig config, std::unique_ptr<WeightStore> store,
                                                 const ProgressFn& progress);

protected:
    bool reusesPrefixes() const override { return true; }
    Status forward(std::span<const std::int32_t> ids, std::span<const std::int32_t> types,
                   const RunOptions& options, AttentionTrace& trace) const override;

private:
    struct Layer {
        const float* attnNormGain = nullptr;  // input_layernorm
        Linear q;                             // (dModel -> nHeads headDim)
        Linear k, v;                          // (dModel -> nKvHeads headDim)
        Linear out;                           // o_proj (nHeads headDim -> dModel)
        const float* ffnNormGain = nullptr;   // post_attention_layernorm
        Linear gate, up;                      // (dModel -> dFF)
        Linear down;                          // (dFF -> dModel)
    };

    explicit LlamaModel(ModelConfig config) : Model(std::move(config)) {}

    std::unique_ptr<WeightStore> m_store;
    const float* m_tokenEmbedding = nullptr;  // (vocab, dModel)
    std::vector<Layer> m_layers;
    const float* m_finalNormGain = nullptr;
    Linear m_lmHead;                          // (dModel -> vocab)
    RopeScalingParams m_rope;
};

}  // namespace attnviz::core
