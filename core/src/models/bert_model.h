// BERT, RoBERTa and DistilBERT: post-LN encoders with learned absolute
// positions (and token types for BERT/RoBERTa), bidirectional by training.
#pragma once

#include "attnviz/core/model.h"
#include "attnviz/core/ops.h"
#include "attnviz/core/weight_store.h"

#include <memory>
#include <vector>

namespace attnviz::core {

class BertModel final : public Model {
public:
    static Result<std::unique_ptr<Model>> create(ModelConfig config, std::unique_ptr<WeightStore> store,
                                                 const ProgressFn& progress);

protected:
    Status forward(std::span<const std::int32_t> ids, std::span<const std::int32_t> types,
                   const RunOptions& options, AttentionTrace& trace) const override;

private:
    struct Layer {
        Linear q, k, v, out;                // (dModel -> dModel)
        const float* attnNormGain = nullptr;  // LayerNorm after attention + residual
        const float* attnNormBias = nullptr;
        Linear ffnIn;                       // (dModel -> dFF)
        Linear ffnOut;                      // (dFF -> dModel)
        const float* ffnNormGain = nullptr;   // LayerNorm after FFN + residual
        const float* ffnNormBias = nullptr;
    };
    struct MlmHead {
        Linear transform;                   // (dModel -> dModel)
        const float* normGain = nullptr;
        const float* normBias = nullptr;
        Linear decoder;                     // (dModel -> vocab), tied to the word embeddings
    };

    explicit BertModel(ModelConfig config) : Model(std::move(config)) {}
    void computeLogits(const RowMatrix& x, AttentionTrace& trace) const;

    std::unique_ptr<WeightStore> m_store;
    const float* m_wordEmbedding = nullptr;      // (vocab, dModel)
    const float* m_positionEmbedding = nullptr;  // (maxPositions, dModel)
    const float* m_typeEmbedding = nullptr;      // (typeVocab, dModel) or null
    const float* m_embedNormGain = nullptr;
    const float* m_embedNormBias = nullptr;
    std::vector<Layer> m_layers;
    std::unique_ptr<MlmHead> m_head;             // null when the checkpoint has none
    Activation m_activation = Activation::GeluErf;
};

}  // namespace attnviz::core
