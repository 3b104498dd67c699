// BERT, RoBERTa and DistilBERT: post-LN encoders with learned absolute
// positions (and token types for BERT/RoBERTa), bidirectional by training.
// The same forward pass runs ALBERT (embeddings of width E mapped to dModel,
// one layer's weights used by every layer), ELECTRA (embeddings of width E
// and embeddings_project) and Longformer (RoBERTa's layers with banded and
// global attention, longformer_model.h).
#pragma once

#include "longformer_model.h"

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
    // Longformer's global rows are computed apart from the kernel.
    bool keepsLazyTraces() const override { return !config().globalAttention; }

private:
    struct Layer {
        Linear q, k, v, out;                // (dModel -> dModel)
        const float* attnNormGain = nullptr;  // LayerNorm after attention + residual
        const float* attnNormBias = nullptr;
        Linear ffnIn;                       // (dModel -> dFF)
        Linear ffnOut;                      // (dFF -> dModel)
        const float* ffnNormGain = nullptr;   // LayerNorm after FFN + residual
        const float* ffnNormBias = nullptr;
        LongformerGlobalProjections global;   // Longformer only
    };
    struct MlmHead {
        Linear transform;                   // (dModel -> E)
        const float* normGain = nullptr;    // (E)
        const float* normBias = nullptr;
        Linear decoder;                     // (E -> vocab), tied to the word embeddings
    };

    explicit BertModel(ModelConfig config) : Model(std::move(config)) {}
    void computeLogits(const RowMatrix& x, AttentionTrace& trace) const;

    std::unique_ptr<WeightStore> m_store;
    // E: embeddingSize (ALBERT, ELECTRA) or dModel.
    int m_embedWidth = 0;
    const float* m_wordEmbedding = nullptr;      // (vocab, E)
    const float* m_positionEmbedding = nullptr;  // (maxPositions, E)
    const float* m_typeEmbedding = nullptr;      // (typeVocab, E) or null
    const float* m_embedNormGain = nullptr;      // (E)
    const float* m_embedNormBias = nullptr;
    Linear m_embedProject;                       // (E -> dModel); no weight when E = dModel
    std::vector<Layer> m_layers;                 // ALBERT: nLayers copies of one layer
    std::unique_ptr<MlmHead> m_head;             // null when the checkpoint has none
    Activation m_activation = Activation::GeluErf;
    Activation m_headActivation = Activation::GeluErf;
};

}  // namespace attnviz::core
