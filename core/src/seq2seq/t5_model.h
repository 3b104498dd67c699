// T5 (v1.0: ReLU FFN, tied embeddings rescaled by dModel^-0.5 before the LM
// head) and T5 v1.1 / Flan-T5 (gated-GELU FFN, untied head): pre-norm
// layers with RMS LayerNorm (no mean, no bias), no biases, no 1/sqrt(d)
// scaling, relative position buckets computed from block 0's table of each
// stack and shared by all its layers (none in cross-attention).
#pragma once

#include "seq2seq_weights.h"

#include "attnviz/core/seq2seq_model.h"

#include <memory>
#include <vector>

namespace attnviz::core {

class T5Model final : public Seq2SeqModel {
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
    struct Attention {
        Linear q, k, v;  // (dModel -> nHeads headDim)
        Linear o;        // (nHeads headDim -> dModel)
    };
    struct FeedForward {
        Linear wi;            // (dModel -> dFF); ReLU FFN
        Linear wi0, wi1;      // (dModel -> dFF); gated: act(wi0 x) * (wi1 x)
        Linear wo;            // (dFF -> dModel)
    };
    struct EncoderLayer {
        const float* attnNorm = nullptr;  // (dModel)
        Attention self;
        const float* ffnNorm = nullptr;
        FeedForward ffn;
    };
    struct DecoderLayer {
        const float* selfNorm = nullptr;
        Attention self;
        const float* crossNorm = nullptr;
        Attention cross;
        const float* ffnNorm = nullptr;
        FeedForward ffn;
    };

    explicit T5Model(Seq2SeqConfig config) : Seq2SeqModel(std::move(config)) {}
    Status bind(Seq2SeqWeights& w);
    Attention bindAttention(Seq2SeqWeights& w, const std::string& base, int heads, int headDim) const;
    FeedForward bindFeedForward(Seq2SeqWeights& w, const std::string& base, int dFF) const;
    // x (rows, dModel) += the FFN of its norm.
    void feedForward(RowMatrix& x, const float* norm, const FeedForward& f) const;

    std::unique_ptr<WeightStore> m_store;
    const float* m_embedding = nullptr;        // (vocab, dModel) shared by both stacks
    const float* m_encoderBias = nullptr;      // (buckets, He): block 0's relative_attention_bias
    const float* m_decoderBias = nullptr;      // (buckets, Hd)
    std::vector<EncoderLayer> m_encoder;
    std::vector<DecoderLayer> m_decoder;
    const float* m_encoderFinalNorm = nullptr; // (dModel)
    const float* m_decoderFinalNorm = nullptr;
    Linear m_lmHead;                           // (dModel -> vocab): lm_head or the embedding
    float m_headScale = 1.0f;                  // dModel^-0.5 with tied embeddings
};

}  // namespace attnviz::core
