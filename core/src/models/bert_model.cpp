#include "bert_model.h"

#include "attnviz/core/attention_kernel.h"
#include "weight_loader.h"

#include <cmath>

namespace attnviz::core {

using R = TensorRole;

Result<std::unique_ptr<Model>> BertModel::create(ModelConfig config, std::unique_ptr<WeightStore> store,
                                                 const ProgressFn& progress) {
    auto binder = TensorBinder::create(*store, config.architecture);
    if (!binder) return binder.takeError();
    WeightLoader w(binder.value());
    const ModelConfig& c = config;
    const int d = c.dModel;

    std::unique_ptr<BertModel> m(new BertModel(config));
    m->m_activation = activationFromName(c.activation);
    m->m_wordEmbedding = w.tensor(R::TokenEmbedding, {c.vocabSize, d});
    m->m_positionEmbedding = w.tensor(R::PositionEmbedding, {c.maxPositions, d});
    if (c.typeVocabSize > 0) m->m_typeEmbedding = w.tensor(R::TypeEmbedding, {c.typeVocabSize, d});
    m->m_embedNormGain = w.tensor(R::EmbedNormWeight, {d});
    m->m_embedNormBias = w.tensor(R::EmbedNormBias, {d});
    for (int l = 0; l < c.nLayers && w.ok(); ++l) {
        Layer L;
        L.q = w.linear(R::AttnQWeight, R::AttnQBias, l, d, d, true);
        L.k = w.linear(R::AttnKWeight, R::AttnKBias, l, d, d, true);
        L.v = w.linear(R::AttnVWeight, R::AttnVBias, l, d, d, true);
        L.out = w.linear(R::AttnOutWeight, R::AttnOutBias, l, d, d, true);
        L.attnNormGain = w.tensor(R::AttnOutNormWeight, l, {d});
        L.attnNormBias = w.tensor(R::AttnOutNormBias, l, {d});
        L.ffnIn = w.linear(R::FfnUpWeight, R::FfnUpBias, l, d, c.dFF, true);
        L.ffnOut = w.linear(R::FfnDownWeight, R::FfnDownBias, l, c.dFF, d, true);
        L.ffnNormGain = w.tensor(R::FfnOutNormWeight, l, {d});
        L.ffnNormBias = w.tensor(R::FfnOutNormBias, l, {d});
        m->m_layers.push_back(L);
        if (progress && !progress(static_cast<std::size_t>(l + 1), static_cast<std::size_t>(c.nLayers))) {
            return makeError("loading cancelled");
        }
    }
    // The masked-LM head is optional (a bare encoder checkpoint has none).
    if (w.ok() && w.binder().has(R::MlmTransformWeight)) {
        auto head = std::make_unique<MlmHead>();
        head->transform = w.linear(R::MlmTransformWeight, R::MlmTransformBias, -1, d, d, true);
        head->normGain = w.tensor(R::MlmNormWeight, {d});
        head->normBias = w.tensor(R::MlmNormBias, {d});
        head->decoder.in = d;
        head->decoder.out = c.vocabSize;
        head->decoder.weight = w.binder().has(R::LmHeadWeight) && !c.tieWordEmbeddings
                                   ? w.tensor(R::LmHeadWeight, {c.vocabSize, d})
                                   : m->m_wordEmbedding;
        head->decoder.bias = w.tensor(R::LmHeadBias, {c.vocabSize});
        m->m_head = std::move(head);
    }
    if (!w.ok()) return makeError(w.error());
    m->m_store = std::move(store);
    return std::unique_ptr<Model>(std::move(m));
}

Status BertModel::forward(std::span<const std::int32_t> ids, std::span<const std::int32_t> types, MaskMode mask,
                          const RunOptions& options, AttentionTrace& trace) const {
    const ModelConfig& c = config();
    const int T = static_cast<int>(ids.size());
    const int d = c.dModel;

    // 1. Embeddings: word + position (+ token type), then LayerNorm.
    RowMatrix x(T, d);  // (seqLen, dModel)
    for (int t = 0; t < T; ++t) {
        const int pos = c.positionOffset + t;
        x.row(t) = Eigen::Map<const Eigen::RowVectorXf>(m_wordEmbedding + static_cast<std::size_t>(ids[t]) * d, d) +
                   Eigen::Map<const Eigen::RowVectorXf>(m_positionEmbedding + static_cast<std::size_t>(pos) * d, d);
        if (m_typeEmbedding != nullptr) {
            x.row(t) += Eigen::Map<const Eigen::RowVectorXf>(m_typeEmbedding + static_cast<std::size_t>(types[t]) * d, d);
        }
    }
    layerNorm(x, m_embedNormGain, m_embedNormBias, static_cast<float>(c.normEps));

    const HeadLayout heads{c.nHeads, c.nHeads, c.headDim, 1.0f / std::sqrt(static_cast<float>(c.headDim))};
    RowMatrix q, k, v;   // (seqLen, dModel) each
    RowMatrix context;   // (seqLen, dModel)
    RowMatrix proj;      // (seqLen, dModel)
    RowMatrix hidden;    // (seqLen, dFF)
    for (int l = 0; l < c.nLayers; ++l) {
        if (options.cancel != nullptr && options.cancel->load()) return makeError("cancelled");
        const Layer& L = m_layers[l];
        // 2. Self-attention: Q, K, V projections, scores, mask, softmax (recorded), P V.
        linear(x, L.q, q);
        linear(x, L.k, k);
        linear(x, L.v, v);
        multiHeadAttention({q.data(), k.data(), v.data(), d, d, d}, T, heads, mask, l, trace, context, &L.out);
        // 3. Output projection, residual, LayerNorm (post-LN).
        linear(context, L.out, proj);
        x += proj;
        layerNorm(x, L.attnNormGain, L.attnNormBias, static_cast<float>(c.normEps));
        // The last FFN only matters for logits, not for attention.
        if (l == c.nLayers - 1 && !options.computeLogits) break;
        // 4. Feed-forward: activation(x W1 + b1) W2 + b2, residual, LayerNorm.
        linear(x, L.ffnIn, hidden);
        applyActivation(hidden, m_activation);
        linear(hidden, L.ffnOut, proj);
        x += proj;
        layerNorm(x, L.ffnNormGain, L.ffnNormBias, static_cast<float>(c.normEps));
    }
    if (options.computeLogits) {
        if (!m_head) return makeError("this checkpoint has no masked-language-model head, so it cannot predict tokens");
        computeLogits(x, trace);
    }
    return Status::success();
}

void BertModel::computeLogits(const RowMatrix& x, AttentionTrace& trace) const {
    // 5. MLM head: dense, activation, LayerNorm, tied decoder + bias.
    // RoBERTa's head always uses erf GELU; BERT's follows hidden_act.
    const Activation act = config().architecture == Architecture::Roberta ? Activation::GeluErf : m_activation;
    RowMatrix t;     // (seqLen, dModel)
    linear(x, m_head->transform, t);
    applyActivation(t, act);
    layerNorm(t, m_head->normGain, m_head->normBias, static_cast<float>(config().normEps));
    RowMatrix logits;  // (seqLen, vocab)
    linear(t, m_head->decoder, logits);
    trace.vocabSize = config().vocabSize;
    trace.logits.assign(logits.data(), logits.data() + logits.size());
}

}  // namespace attnviz::core
