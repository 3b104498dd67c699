#include "bert_model.h"

#include "attnviz/core/attention_kernel.h"
#include "tensor_binder.h"

#include <cmath>

namespace attnviz::core {

using R = TensorRole;

Result<std::unique_ptr<Model>> BertModel::create(ModelConfig config, std::unique_ptr<WeightStore> store,
                                                 const ProgressFn& progress) {
    auto bound = bindTensors(*store, config, progress);
    if (!bound) return bound.takeError();
    const BoundTensors& w = bound.value();
    const ModelConfig& c = config;

    std::unique_ptr<BertModel> m(new BertModel(config));
    m->m_activation = activationFromName(c.activation);
    m->m_wordEmbedding = w.get(R::TokenEmbedding);
    m->m_positionEmbedding = w.get(R::PositionEmbedding);
    m->m_typeEmbedding = w.get(R::TypeEmbedding);
    m->m_embedNormGain = w.get(R::EmbedNormWeight);
    m->m_embedNormBias = w.get(R::EmbedNormBias);
    for (int l = 0; l < c.nLayers; ++l) {
        Layer L;
        L.q = w.linear(R::AttnQWeight, R::AttnQBias, l);
        L.k = w.linear(R::AttnKWeight, R::AttnKBias, l);
        L.v = w.linear(R::AttnVWeight, R::AttnVBias, l);
        L.out = w.linear(R::AttnOutWeight, R::AttnOutBias, l);
        L.attnNormGain = w.get(R::AttnOutNormWeight, l);
        L.attnNormBias = w.get(R::AttnOutNormBias, l);
        L.ffnIn = w.linear(R::FfnUpWeight, R::FfnUpBias, l);
        L.ffnOut = w.linear(R::FfnDownWeight, R::FfnDownBias, l);
        L.ffnNormGain = w.get(R::FfnOutNormWeight, l);
        L.ffnNormBias = w.get(R::FfnOutNormBias, l);
        m->m_layers.push_back(L);
    }
    // The masked-LM head is optional (a bare encoder checkpoint has none).
    if (w.has(R::MlmTransformWeight)) {
        auto head = std::make_unique<MlmHead>();
        head->transform = w.linear(R::MlmTransformWeight, R::MlmTransformBias);
        head->normGain = w.get(R::MlmNormWeight);
        head->normBias = w.get(R::MlmNormBias);
        // Tied to the word embeddings unless untied and stored.
        head->decoder = w.linear(R::LmHeadWeight, R::LmHeadBias);
        if (head->decoder.weight == nullptr) {
            head->decoder = {m->m_wordEmbedding, w.get(R::LmHeadBias), c.dModel, c.vocabSize};
        }
        m->m_head = std::move(head);
    }
    m->setLoadWarnings(w.warnings());
    m->m_store = std::move(store);
    return std::unique_ptr<Model>(std::move(m));
}

Status BertModel::forward(std::span<const std::int32_t> ids, std::span<const std::int32_t> types,
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
        if (options.cancel != nullptr && options.cancel->load()) {
            return makeError(ErrorCode::Cancelled, "cancelled");
        }
        const Layer& L = m_layers[l];
        // 2. Self-attention: Q, K, V projections, scores, mask, softmax (recorded), P V.
        linear(x, L.q, q);
        linear(x, L.k, k);
        linear(x, L.v, v);
        multiHeadAttention({q.data(), k.data(), v.data(), d, d, d}, T, heads, l, trace, context, &L.out);
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
        if (!m_head) {
            return makeError(ErrorCode::Unsupported,
                             "this checkpoint has no masked-language-model head, so it cannot predict tokens");
        }
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
