// OPT: a decoder with learned positions (row = position + 2), biased
// projections, a ReLU FFN, pre-LN (OPT-125m and most sizes) or post-LN
// (OPT-350m), and optional projections between the word embedding width and
// the model width; causal by training.
#pragma once

#include "forward_steps.h"

#include "attnviz/core/model.h"
#include "attnviz/core/ops.h"
#include "attnviz/core/weight_store.h"

#include <memory>
#include <vector>

namespace attnviz::core {

class OptModel final : public Model {
public:
    static Result<std::unique_ptr<Model>> create(ModelConfig config, std::unique_ptr<WeightStore> store,
                                                 const ProgressFn& progress);

protected:
    bool reusesPrefixes() const override { return true; }
    Status forward(std::span<const std::int32_t> ids, std::span<const std::int32_t> types,
                   const RunOptions& options, AttentionTrace& trace) const override;

private:
    // self_attn_layer_norm (before attention when pre-LN, else after),
    // self_attn.q_proj / k_proj / v_proj / out_proj (dModel -> dModel),
    // final_layer_norm (before the FFN when pre-LN, else after), fc1
    // (dModel -> dFF), fc2 (dFF -> dModel).
    using Layer = LayerNormLayer;

    explicit OptModel(ModelConfig config) : Model(std::move(config)) {}

    std::unique_ptr<WeightStore> m_store;
    // embed_tokens (vocab, wordEmbedProjDim), embed_positions (maxPositions + 2,
    // dModel), layers.{L}, decoder.final_layer_norm (null when absent),
    // lm_head (wordEmbedProjDim -> vocab), tied to embed_tokens unless stored.
    LayerNormDecoder m_weights;
    Linear m_projectIn;                          // (wordEmbedProjDim -> dModel); null weight when equal
    Linear m_projectOut;                         // (dModel -> wordEmbedProjDim); null weight when equal
    Activation m_activation = Activation::Relu;
};

}  // namespace attnviz::core
