#include "bert_model.h"

#include "attnviz/core/attention_kernel.h"
#include "forward_steps.h"
#include "layer_capture_steps.h"
#include "tensor_binder.h"

#include <cmath>

namespace attnviz::core {

using R = TensorRole;

Result<std::unique_ptr<Model>> BertModel::create(ModelConfig config, std::unique_ptr<WeightStore> store,
                                                 const ProgressFn& progress) {
    auto bound = bindTensors(*store, config, progress, wholeLinearRoles());
    if (!bound) return bound.takeError();
    const BoundTensors& w = bound.value();
    const ModelConfig& c = config;

    std::unique_ptr<BertModel> m(new BertModel(config));
    m->m_activation = activationFromName(c.activation);
    // RoBERTa's, ELECTRA's and Longformer's heads use erf GELU whatever
    // hidden_act says; BERT's, DistilBERT's and ALBERT's follow it.
    const Architecture a = c.architecture;
    const bool erfHead = a == Architecture::Roberta || a == Architecture::Electra || a == Architecture::Longformer;
    m->m_headActivation = erfHead ? Activation::GeluErf : m->m_activation;
    m->m_embedWidth = c.embeddingSize > 0 ? c.embeddingSize : c.dModel;
    m->m_wordEmbedding = w.get(R::TokenEmbedding);
    m->m_positionEmbedding = w.get(R::PositionEmbedding);
    m->m_typeEmbedding = w.get(R::TypeEmbedding);
    m->m_embedNormGain = w.get(R::EmbedNormWeight);
    m->m_embedNormBias = w.get(R::EmbedNormBias);
    m->m_embedProject = w.linear(R::EmbedProjectWeight, R::EmbedProjectBias);
    // ALBERT stores one layer (listed once, layer -1) that every layer uses.
    const bool sharedLayer = a == Architecture::Albert;
    for (int l = 0; l < c.nLayers; ++l) {
        const int at = sharedLayer ? -1 : l;
        Layer L;
        L.q = w.linear(R::AttnQWeight, R::AttnQBias, at);
        L.k = w.linear(R::AttnKWeight, R::AttnKBias, at);
        L.v = w.linear(R::AttnVWeight, R::AttnVBias, at);
        L.out = w.linear(R::AttnOutWeight, R::AttnOutBias, at);
        L.attnNormGain = w.get(R::AttnOutNormWeight, at);
        L.attnNormBias = w.get(R::AttnOutNormBias, at);
        L.ffnIn = w.linear(R::FfnUpWeight, R::FfnUpBias, at);
        L.ffnOut = w.linear(R::FfnDownWeight, R::FfnDownBias, at);
        L.ffnNormGain = w.get(R::FfnOutNormWeight, at);
        L.ffnNormBias = w.get(R::FfnOutNormBias, at);
        L.global = {w.linear(R::AttnQGlobalWeight, R::AttnQGlobalBias, at),
                    w.linear(R::AttnKGlobalWeight, R::AttnKGlobalBias, at),
                    w.linear(R::AttnVGlobalWeight, R::AttnVGlobalBias, at)};
        m->m_layers.push_back(L);
    }
    // The masked-LM head is optional (a bare encoder checkpoint has none).
    if (w.has(R::MlmTransformWeight)) {
        auto head = std::make_unique<MlmHead>();
        head->transform = w.linear(R::MlmTransformWeight, R::MlmTransformBias);
        head->normGain = w.get(R::MlmNormWeight);
        head->normBias = w.get(R::MlmNormBias);
        // Tied to the word embeddings unless untied and stored.
        head->decoder = lmHead(w, !w.has(R::LmHeadWeight), m->m_wordEmbedding, m->m_embedWidth, c.vocabSize);
        m->m_head = std::move(head);
    }
    m->adoptBinding(w);
    m->m_store = std::move(store);
    return std::unique_ptr<Model>(std::move(m));
}

Status BertModel::forward(std::span<const std::int32_t> ids, std::span<const std::int32_t> types,
                   const RunOptions& options, AttentionTrace& trace) const {
    const ModelConfig& c = config();
    const int T = static_cast<int>(ids.size());
    const int d = c.dModel;
    const int e = m_embedWidth;

    // 1. Embeddings: word + position (+ token type), then LayerNorm; ALBERT
    //    and ELECTRA then map the width E to dModel.
    RowMatrix x;  // (seqLen, E)
    {
        // Every table and the projection here are model-wide weights.
        const LayerLease leased = m_store->leaseLayer(c.nLayers);  // embeddings and head (lazy stores)
        x = embedTokens(m_wordEmbedding, ids, e);
        addPositionEmbeddings(x, m_positionEmbedding, c.positionOffset);
        if (m_typeEmbedding != nullptr) x += embedTokens(m_typeEmbedding, types, e);  // (seqLen, E)
        layerNorm(x, m_embedNormGain, m_embedNormBias, static_cast<float>(c.normEps));
        if (m_embedProject.weight != nullptr) {
            RowMatrix projected;  // (seqLen, dModel)
            linear(x, m_embedProject, projected);
            x = std::move(projected);
        }
    }

    const HeadLayout heads{c.nHeads, c.nHeads, c.headDim, 1.0f / std::sqrt(static_cast<float>(c.headDim))};
    RowMatrix q, k, v;   // (seqLen, dModel) each
    RowMatrix context;   // (seqLen, dModel)
    RowMatrix proj;      // (seqLen, dModel)
    for (int l = 0; l < c.nLayers; ++l) {
        const LayerLease leased = m_store->leaseLayer(l);  // this layer's weights stay filled
        if (cancelRequested(options)) return cancelledError();
        const Layer& L = m_layers[l];
        // 2. Self-attention: Q, K, V projections, scores, mask, softmax (recorded), P V.
        linear(x, L.q, q);
        linear(x, L.k, k);
        linear(x, L.v, v);
        multiHeadAttention({q.data(), k.data(), v.data(), d, d, d}, T, heads, l, trace, context, &L.out);
        // Longformer: the global tokens' rows come from their own projections.
        if (L.global.present()) longformerGlobalAttention(x, L.global, heads, l, trace, context);
        LayerCapture* captured = trace.captureFor(l);
        if (captured != nullptr) {
            captureAttention(*captured, x, {q.data(), k.data(), v.data(), d, d, d}, T, heads, context,
                             inverseSqrtRule(c.headDim), "norm(x + attention(x)): post-LN, x is the residual stream itself");
            if (L.global.present()) {
                captured->unexplainedRows = trace.globalTokens();
                captured->unexplainedReason = "a global token's row comes from Longformer's global projections "
                                              "(query_global, key_global, value_global), which the capture does not keep";
            }
        }
        // 3. Output projection, residual, LayerNorm (post-LN).
        linear(context, L.out, proj);
        if (captured != nullptr) captureOutput(*captured, proj, L.out);
        x += proj;
        layerNorm(x, L.attnNormGain, L.attnNormBias, static_cast<float>(c.normEps));
        // The last FFN only matters for logits, not for attention.
        if (l == c.nLayers - 1 && !options.computeLogits) break;
        // 4. Feed-forward: activation(x W1 + b1) W2 + b2, residual, LayerNorm.
        feedForward(x, L.ffnIn, m_activation, L.ffnOut, proj);
        x += proj;
        layerNorm(x, L.ffnNormGain, L.ffnNormBias, static_cast<float>(c.normEps));
    }
    if (options.computeLogits) {
        const LayerLease leased = m_store->leaseLayer(c.nLayers);
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
    RowMatrix t;     // (logitRows, E)
    linear(logitRows(x, trace), m_head->transform, t);
    applyActivation(t, m_headActivation);
    layerNorm(t, m_head->normGain, m_head->normBias, static_cast<float>(config().normEps));
    writeLogits(t, m_head->decoder, config().vocabSize, trace);
}

}  // namespace attnviz::core
