#include "gpt_neo_model.h"

#include "attnviz/core/attention_kernel.h"
#include "tensor_binder.h"

namespace attnviz::core {

using R = TensorRole;

Result<std::unique_ptr<Model>> GptNeoModel::create(ModelConfig config, std::unique_ptr<WeightStore> store,
                                                   const ProgressFn& progress) {
    auto bound = bindTensors(*store, config, progress);
    if (!bound) return bound.takeError();
    const BoundTensors& w = bound.value();
    const ModelConfig& c = config;

    std::unique_ptr<GptNeoModel> m(new GptNeoModel(config));
    m->m_activation = activationFromName(c.activation);
    m->m_tokenEmbedding = w.get(R::TokenEmbedding);
    m->m_positionEmbedding = w.get(R::PositionEmbedding);
    for (int l = 0; l < c.nLayers; ++l) {
        Layer L;
        L.attnNormGain = w.get(R::AttnNormWeight, l);
        L.attnNormBias = w.get(R::AttnNormBias, l);
        L.q = w.linear(R::AttnQWeight, l);
        L.k = w.linear(R::AttnKWeight, l);
        L.v = w.linear(R::AttnVWeight, l);
        L.out = w.linear(R::AttnOutWeight, R::AttnOutBias, l);
        L.ffnNormGain = w.get(R::FfnNormWeight, l);
        L.ffnNormBias = w.get(R::FfnNormBias, l);
        L.ffnIn = w.linear(R::FfnUpWeight, R::FfnUpBias, l);
        L.ffnOut = w.linear(R::FfnDownWeight, R::FfnDownBias, l);
        m->m_layers.push_back(L);
    }
    m->m_finalNormGain = w.get(R::FinalNormWeight);
    m->m_finalNormBias = w.get(R::FinalNormBias);
    // Tied to wte, or stored (required) when untied.
    m->m_lmHead = c.tieWordEmbeddings ? Linear{m->m_tokenEmbedding, nullptr, c.dModel, c.vocabSize}
                                      : w.linear(R::LmHeadWeight, -1);
    m->setLoadWarnings(w.warnings());
    m->m_store = std::move(store);
    return std::unique_ptr<Model>(std::move(m));
}

Status GptNeoModel::forward(std::span<const std::int32_t> ids, std::span<const std::int32_t>,
                            const RunOptions& options, AttentionTrace& trace) const {
    const ModelConfig& c = config();
    const int T = static_cast<int>(ids.size());
    const int d = c.dModel;

    // 1. Embeddings: token + learned position (0..T-1).
    RowMatrix x(T, d);  // (seqLen, dModel)
    for (int t = 0; t < T; ++t) {
        x.row(t) = Eigen::Map<const Eigen::RowVectorXf>(m_tokenEmbedding + static_cast<std::size_t>(ids[t]) * d, d) +
                   Eigen::Map<const Eigen::RowVectorXf>(m_positionEmbedding + static_cast<std::size_t>(t) * d, d);
    }

    // GPT-Neo does not divide the scores by sqrt(headDim): scale 1.
    const HeadLayout heads{c.nHeads, c.nHeads, c.headDim, 1.0f};
    RowMatrix h;        // (seqLen, dModel) normalised input of a block
    RowMatrix q, k, v;  // (seqLen, dModel) each
    RowMatrix context;  // (seqLen, dModel)
    RowMatrix proj;     // (seqLen, dModel)
    RowMatrix hidden;   // (seqLen, dFF)
    for (int l = 0; l < c.nLayers; ++l) {
        if (options.cancel != nullptr && options.cancel->load()) {
            return makeError(ErrorCode::Cancelled, "cancelled");
        }
        const Layer& L = m_layers[l];
        // 2. Attention block (pre-LN): ln_1, q/k/v, attention (recorded; local
        //    layers see their window through the trace's layer mask),
        //    out_proj, residual.
        h = x;
        layerNorm(h, L.attnNormGain, L.attnNormBias, static_cast<float>(c.normEps));
        linear(h, L.q, q);
        linear(h, L.k, k);
        linear(h, L.v, v);
        multiHeadAttention({q.data(), k.data(), v.data(), d, d, d}, T, heads, l, trace, context, &L.out);
        linear(context, L.out, proj);
        x += proj;
        if (l == c.nLayers - 1 && !options.computeLogits) break;
        // 3. MLP block (pre-LN): ln_2, c_fc, activation, c_proj, residual.
        h = x;
        layerNorm(h, L.ffnNormGain, L.ffnNormBias, static_cast<float>(c.normEps));
        linear(h, L.ffnIn, hidden);
        applyActivation(hidden, m_activation);
        linear(hidden, L.ffnOut, proj);
        x += proj;
    }
    if (options.computeLogits) {
        // 4. ln_f and the LM head.
        layerNorm(x, m_finalNormGain, m_finalNormBias, static_cast<float>(c.normEps));
        RowMatrix logits;  // (seqLen, vocab)
        linear(x, m_lmHead, logits);
        trace.vocabSize = c.vocabSize;
        trace.logits.assign(logits.data(), logits.data() + logits.size());
    }
    return Status::success();
}

}  // namespace attnviz::core
