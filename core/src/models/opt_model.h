// OPT: a decoder with learned positions (row = position + 2), biased
// projections, a ReLU FFN, pre-LN (OPT-125m and most sizes) or post-LN
// (OPT-350m), and optional projections between the word embedding width and
// the model width; causal by training.
#pragma once

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
    Status forward(std::span<const std::int32_t> ids, std::span<const std::int32_t> types,
                   const RunOptions& options, AttentionTrace& trace) const override;

private:
    struct Layer {
        const float* attnNormGain = nullptr;  // self_attn_layer_norm: before attention (pre-LN) or after
        const float* attnNormBias = nullptr;
        Linear q, k, v, out;                  // (dModel -> dModel)
        const float* ffnNormGain = nullptr;   // final_layer_norm: before the FFN (pre-LN) or after
        const float* ffnNormBias = nullptr;
        Linear fc1;                           // (dModel -> dFF)
        Linear fc2;                           // (dFF -> dModel)
    };

    explicit OptModel(ModelConfig config) : Model(std::move(config)) {}

    std::unique_ptr<WeightStore> m_store;
    const float* m_tokenEmbedding = nullptr;     // (vocab, wordEmbedProjDim)
    const float* m_positionEmbedding = nullptr;  // (maxPositions + 2, dModel)
    Linear m_projectIn;                          // (wordEmbedProjDim -> dModel); null weight when equal
    std::vector<Layer> m_layers;
    const float* m_finalNormGain = nullptr;      // decoder.final_layer_norm; null when absent
    const float* m_finalNormBias = nullptr;
    Linear m_projectOut;                         // (dModel -> wordEmbedProjDim); null weight when equal
    Linear m_lmHead;                             // (wordEmbedProjDim -> vocab), no bias
    Activation m_activation = Activation::Relu;
};

}  // namespace attnviz::core
