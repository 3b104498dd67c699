// ModernBERT: a pre-LN encoder with rotary positions (one theta for global
// layers, another for local ones), a fused Wqkv, a gated MLP and layers that
// alternate between global attention and a symmetric local window;
// bidirectional by training.
#pragma once

#include "attnviz/core/model.h"
#include "attnviz/core/ops.h"
#include "attnviz/core/weight_store.h"

#include <memory>
#include <vector>

namespace attnviz::core {

class ModernBertModel final : public Model {
public:
    static Result<std::unique_ptr<Model>> create(ModelConfig config, std::unique_ptr<WeightStore> store,
                                                 const ProgressFn& progress);

protected:
    Status forward(std::span<const std::int32_t> ids, std::span<const std::int32_t> types,
                   const RunOptions& options, AttentionTrace& trace) const override;

private:
    struct Norm {
        const float* gain = nullptr;
        const float* bias = nullptr;  // zeros when norm_bias is false
    };
    struct Layer {
        Norm attnNorm;   // null gain on layer 0 (no attention norm)
        Linear qkv;      // Wqkv (dModel -> 3 dModel): Q | K | V
        Linear out;      // Wo (dModel -> dModel)
        Norm mlpNorm;
        Linear wi;       // (dModel -> 2 dFF): input | gate
        Linear wo;       // (dFF -> dModel)
    };
    struct MlmHead {
        Linear dense;    // (dModel -> dModel)
        Norm norm;
        Linear decoder;  // (dModel -> vocab), tied to the token embeddings
    };

    explicit ModernBertModel(ModelConfig config) : Model(std::move(config)) {}
    Norm norm(const float* gain, const float* bias) const;
    void layerNormInto(const RowMatrix& x, const Norm& n, RowMatrix& y) const;

    std::unique_ptr<WeightStore> m_store;
    std::vector<float> m_zeros;               // (dModel): the bias of bias-free LayerNorms
    const float* m_tokenEmbedding = nullptr;  // (vocab, dModel)
    Norm m_embedNorm;
    std::vector<Layer> m_layers;
    Norm m_finalNorm;
    std::unique_ptr<MlmHead> m_head;          // null when the checkpoint has none
    Activation m_activation = Activation::GeluErf;
    Activation m_headActivation = Activation::GeluErf;
};

}  // namespace attnviz::core
