// BART and Marian: post-LN encoder and decoder layers with biases, queries
// scaled by headDim^-0.5, the LM head tied to the shared embedding plus
// final_logits_bias. They differ only in the embeddings:
//   BART:   token embedding (x sqrt(dModel) with scale_embedding) + learned
//           position table at pos + 2, then layernorm_embedding;
//   Marian: token embedding x sqrt(dModel) + sinusoidal positions computed
//           here (sin in the first half of the vector, cos in the second).
#pragma once

#include "seq2seq_weights.h"

#include "attnviz/core/seq2seq_model.h"

#include <memory>
#include <vector>

namespace attnviz::core {

class BartModel final : public Seq2SeqModel {
public:
    static Result<std::unique_ptr<Seq2SeqModel>> create(Seq2SeqConfig config, std::unique_ptr<WeightStore> store);

protected:
    Status encode(std::span<const std::int32_t> ids, const std::atomic<bool>* cancel, AttentionTrace& trace,
                  RowMatrix& hidden) const override;
    Status decode(std::span<const std::int32_t> ids, DecoderCache& cache, float* selfProbs, float* selfScores,
                  float* crossProbs, RowMatrix& hidden) const override;
    std::unique_ptr<DecoderCache> startDecoder(const RowMatrix& encoderOut, int capacity,
                                               const LayerMask& selfMask) const override;
    void logits(const RowMatrix& hidden, RowMatrix& out) const override;
    const Linear& decoderSelfOutput(int layer) const override;

private:
    struct Norm {
        const float* gain = nullptr;  // (dModel)
        const float* bias = nullptr;
    };
    struct Attention {
        Linear q, k, v;  // (dModel -> nHeads headDim)
        Linear out;      // (nHeads headDim -> dModel)
    };
    struct Layer {
        Attention self;
        Norm selfNorm;       // after self-attention + residual
        Attention cross;     // decoder only
        Norm crossNorm;
        Linear fc1;          // (dModel -> dFF)
        Linear fc2;          // (dFF -> dModel)
        Norm finalNorm;      // after the FFN + residual
    };
    struct Embeddings {
        const float* tokens = nullptr;     // (vocab, dModel)
        const float* positions = nullptr;  // BART: (maxPositions + 2, dModel); Marian: the sinusoidal table
        Norm norm;                         // BART's layernorm_embedding; null for Marian
    };

    explicit BartModel(Seq2SeqConfig config) : Seq2SeqModel(std::move(config)) {}
    Status bind(Seq2SeqWeights& w);
    Attention bindAttention(Seq2SeqWeights& w, const std::string& base) const;
    Norm bindNorm(Seq2SeqWeights& w, const std::string& base) const;
    // (rows, dModel): the embeddings of `ids` at positions [first, first + rows).
    RowMatrix embed(const Embeddings& e, std::span<const std::int32_t> ids, int first) const;
    // x (rows, dModel) = finalNorm(x + fc2(act(fc1(x)))).
    void feedForward(RowMatrix& x, const Layer& layer) const;

    std::unique_ptr<WeightStore> m_store;
    Embeddings m_encoderEmbed;
    Embeddings m_decoderEmbed;
    std::vector<float> m_sinusoids;  // Marian: (maxPositions, dModel)
    std::vector<Layer> m_encoder;
    std::vector<Layer> m_decoder;
    Linear m_lmHead;                      // (dModel -> vocab) with final_logits_bias
    std::vector<float> m_finalLogitsBias; // (vocab) copied: zeros when the file has none
};

// Marian's sinusoidal position table (rows, width), as transformers builds
// it at load: column i < width/2 holds sin(pos / 10000^(2i/width)), column
// width/2 + i holds cos of the same angle; computed in double, stored as float.
std::vector<float> marianSinusoids(int rows, int width);

}  // namespace attnviz::core
