#include "opt_model.h"

#include "attnviz/core/attention_kernel.h"
#include "tensor_binder.h"

#include <cmath>

namespace attnviz::core {

using R = TensorRole;

Result<std::unique_ptr<Model>> OptModel::create(ModelConfig config, std::unique_ptr<WeightStore> store,
                                                const ProgressFn& progress) {
    auto bound = bindTensors(*store, config, progress);
    if (!bound) return bound.takeError();
    const BoundTensors& w = bound.value();
    const ModelConfig& c = config;

    std::unique_ptr<OptModel> m(new OptModel(config));
    m->m_activation = activationFromName(c.activation);
    m->m_tokenEmbedding = w.get(R::TokenEmbedding);
    m->m_positionEmbedding = w.get(R::PositionEmbedding);
    m->m_projectIn = w.linear(R::ProjectInWeight, -1);
    for (int l = 0; l < c.nLayers; ++l) {
        Layer L;
        L.attnNormGain = w.get(R::AttnNormWeight, l);
        L.attnNormBias = w.get(R::AttnNormBias, l);
        L.q = w.linear(R::AttnQWeight, R::AttnQBias, l);
        L.k = w.linear(R::AttnKWeight, R::AttnKBias, l);
        L.v = w.linear(R::AttnVWeight, R::AttnVBias, l);
        L.out = w.linear(R::AttnOutWeight, R::AttnOutBias, l);
        L.ffnNormGain = w.get(R::FfnNormWeight, l);
        L.ffnNormBias = w.get(R::FfnNormBias, l);
        L.fc1 = w.linear(R::FfnUpWeight, R::FfnUpBias, l);
        L.fc2 = w.linear(R::FfnDownWeight, R::FfnDownBias, l);
        m->m_layers.push_back(L);
    }
    m->m_finalNormGain = w.get(R::FinalNormWeight);
    m->m_finalNormBias = w.get(R::FinalNormBias);
    m->m_projectOut = w.linear(R::ProjectOutWeight, -1);
    // Tied to embed_tokens unless untied and stored.
    m->m_lmHead = w.linear(R::LmHeadWeight, -1);
    if (m->m_lmHead.weight == nullptr) {
        m->m_lmHead = {m->m_tokenEmbedding, nullptr, c.wordEmbedProjDim, c.vocabSize};
    }
    m->setLoadWarnings(w.warnings());
    m->m_store = std::move(store);
    return std::unique_ptr<Model>(std::move(m));
}

Status OptModel::forward(std::span<const std::int32_t> ids, std::span<const std::int32_t>,
                         const RunOptions& options, AttentionTrace& trace) const {
    const ModelConfig& c = config();
    const int T = static_cast<int>(ids.size());
    const int d = c.dModel;
    const int e = c.wordEmbedProjDim;
    const float eps = static_cast<float>(c.normEps);

    // 1. Token embeddings (width word_embed_proj_dim), project_in to dModel
    //    when narrower, plus the learned position of token t at row t + 2.
    RowMatrix tokens(T, e);  // (seqLen, wordEmbedProjDim)
    for (int t = 0; t < T; ++t) {
        tokens.row(t) =
            Eigen::Map<const Eigen::RowVectorXf>(m_tokenEmbedding + static_cast<std::size_t>(ids[t]) * e, e);
    }
    RowMatrix x;  // (seqLen, dModel)
    if (m_projectIn.weight != nullptr) {
        linear(tokens, m_projectIn, x);
    } else {
        x = std::move(tokens);
    }
    for (int t = 0; t < T; ++t) {
        const std::size_t row = static_cast<std::size_t>(t + c.positionOffset);
        x.row(t) += Eigen::Map<const Eigen::RowVectorXf>(m_positionEmbedding + row * d, d);
    }

    // The query is scaled by headDim^-0.5 after q_proj (bias included), as
    // OPTAttention does; the scores are then q.k.
    const float queryScale = static_cast<float>(std::pow(static_cast<double>(c.headDim), -0.5));
    const HeadLayout heads{c.nHeads, c.nHeads, c.headDim, 1.0f};
    RowMatrix h;        // (seqLen, dModel) input of a block
    RowMatrix q, k, v;  // (seqLen, dModel) each
    RowMatrix context;  // (seqLen, dModel)
    RowMatrix proj;     // (seqLen, dModel)
    RowMatrix hidden;   // (seqLen, dFF)
    for (int l = 0; l < c.nLayers; ++l) {
        if (options.cancel != nullptr && options.cancel->load()) {
            return makeError(ErrorCode::Cancelled, "cancelled");
        }
        const Layer& L = m_layers[l];
        // 2. Attention block: self_attn_layer_norm before (pre-LN) or after
        //    the residual (post-LN); q/k/v, attention (recorded), out_proj.
        h = x;
        if (c.preLayerNorm) layerNorm(h, L.attnNormGain, L.attnNormBias, eps);
        linear(h, L.q, q);
        q *= queryScale;
        linear(h, L.k, k);
        linear(h, L.v, v);
        multiHeadAttention({q.data(), k.data(), v.data(), d, d, d}, T, heads, l, trace, context, &L.out);
        linear(context, L.out, proj);
        x += proj;
        if (l == c.nLayers - 1 && !options.computeLogits) break;
        if (!c.preLayerNorm) layerNorm(x, L.attnNormGain, L.attnNormBias, eps);
        // 3. FFN block: final_layer_norm before or after; fc1, ReLU, fc2.
        h = x;
        if (c.preLayerNorm) layerNorm(h, L.ffnNormGain, L.ffnNormBias, eps);
        linear(h, L.fc1, hidden);
        applyActivation(hidden, m_activation);
        linear(hidden, L.fc2, proj);
        x += proj;
        if (!c.preLayerNorm) layerNorm(x, L.ffnNormGain, L.ffnNormBias, eps);
    }
    if (options.computeLogits) {
        // 4. decoder.final_layer_norm (pre-LN models), project_out when
        //    narrower, LM head.
        if (m_finalNormGain != nullptr) layerNorm(x, m_finalNormGain, m_finalNormBias, eps);
        RowMatrix out;  // (seqLen, wordEmbedProjDim)
        if (m_projectOut.weight != nullptr) {
            linear(x, m_projectOut, out);
        } else {
            out = std::move(x);
        }
        RowMatrix logits;  // (seqLen, vocab)
        linear(out, m_lmHead, logits);
        trace.vocabSize = c.vocabSize;
        trace.logits.assign(logits.data(), logits.data() + logits.size());
    }
    return Status::success();
}

}  // namespace attnviz::core
