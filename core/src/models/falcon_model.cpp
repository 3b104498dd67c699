#include "falcon_model.h"

#include "attnviz/core/attention_kernel.h"
#include "tensor_binder.h"

#include <cmath>

namespace attnviz::core {

using R = TensorRole;

Result<std::unique_ptr<Model>> FalconModel::create(ModelConfig config, std::unique_ptr<WeightStore> store,
                                                   const ProgressFn& progress) {
    auto bound = bindTensors(*store, config, progress);
    if (!bound) return bound.takeError();
    const BoundTensors& w = bound.value();
    const ModelConfig& c = config;

    std::unique_ptr<FalconModel> m(new FalconModel(config));
    m->m_activation = activationFromName(c.activation);
    switch (c.ropeScaling.type) {
    case RopeScaling::Type::None: m->m_rope.kind = RopeScalingParams::Kind::None; break;
    case RopeScaling::Type::Linear: m->m_rope.kind = RopeScalingParams::Kind::Linear; break;
    case RopeScaling::Type::Llama3: m->m_rope.kind = RopeScalingParams::Kind::Llama3; break;
    }
    m->m_rope.factor = static_cast<float>(c.ropeScaling.factor);
    m->m_rope.lowFreqFactor = static_cast<float>(c.ropeScaling.lowFreqFactor);
    m->m_rope.highFreqFactor = static_cast<float>(c.ropeScaling.highFreqFactor);
    m->m_rope.originalMaxPositions = static_cast<float>(c.ropeScaling.originalMaxPositions);
    m->m_tokenEmbedding = w.get(R::TokenEmbedding);
    for (int l = 0; l < c.nLayers; ++l) {
        Layer L;
        L.attnNormGain = w.get(R::AttnNormWeight, l);
        L.attnNormBias = w.get(R::AttnNormBias, l);
        L.qkv = w.linear(R::AttnQkvWeight, R::AttnQkvBias, l);
        L.out = w.linear(R::AttnOutWeight, R::AttnOutBias, l);
        L.ffnNormGain = w.get(R::FfnNormWeight, l);
        L.ffnNormBias = w.get(R::FfnNormBias, l);
        L.ffnIn = w.linear(R::FfnUpWeight, R::FfnUpBias, l);
        L.ffnOut = w.linear(R::FfnDownWeight, R::FfnDownBias, l);
        m->m_layers.push_back(L);
    }
    m->m_finalNormGain = w.get(R::FinalNormWeight);
    m->m_finalNormBias = w.get(R::FinalNormBias);
    m->m_lmHead = c.tieWordEmbeddings ? Linear{m->m_tokenEmbedding, nullptr, c.dModel, c.vocabSize}
                                      : w.linear(R::LmHeadWeight, -1);
    m->setLoadWarnings(w.warnings());
    m->m_store = std::move(store);
    return std::unique_ptr<Model>(std::move(m));
}

Status FalconModel::forward(std::span<const std::int32_t> ids, std::span<const std::int32_t>,
                            const RunOptions& options, AttentionTrace& trace) const {
    const ModelConfig& c = config();
    const int T = static_cast<int>(ids.size());
    const int d = c.dModel;
    const int hd = c.headDim;
    const int perGroup = c.nHeads / c.nKvHeads;  // query heads per kv head
    const int qDim = c.nHeads * hd;
    const int kvDim = c.nKvHeads * hd;
    const float eps = static_cast<float>(c.normEps);

    // 1. Token embeddings (no position embeddings: RoPE rotates q and k).
    RowMatrix x(T, d);  // (seqLen, dModel)
    for (int t = 0; t < T; ++t) {
        x.row(t) = Eigen::Map<const Eigen::RowVectorXf>(m_tokenEmbedding + static_cast<std::size_t>(ids[t]) * d, d);
    }
    const RopeTable rope = makeRopeTable(T, hd, c.ropeTheta, m_rope);  // (seqLen, headDim) each
    const HeadLayout heads{c.nHeads, c.nKvHeads, hd, 1.0f / std::sqrt(static_cast<float>(hd))};

    RowMatrix h;          // (seqLen, dModel) normalised input of a block
    RowMatrix qkv;        // (seqLen, nKvHeads (perGroup + 2) headDim): per group [q .. q k v]
    RowMatrix q(T, qDim);                 // (seqLen, nHeads headDim)
    RowMatrix k(T, kvDim), v(T, kvDim);   // (seqLen, nKvHeads headDim)
    RowMatrix context;    // (seqLen, nHeads headDim)
    RowMatrix attnOut;    // (seqLen, dModel)
    RowMatrix mlpOut;     // (seqLen, dModel)
    RowMatrix hidden;     // (seqLen, dFF)
    for (int l = 0; l < c.nLayers; ++l) {
        if (options.cancel != nullptr && options.cancel->load()) {
            return makeError(ErrorCode::Cancelled, "cancelled");
        }
        const Layer& L = m_layers[l];
        // 2. Attention: ln_attn, fused projection split per kv group into
        //    contiguous Q (query head g perGroup + i), K and V (head g), RoPE,
        //    grouped-query attention (recorded), dense.
        h = x;
        layerNorm(h, L.attnNormGain, L.attnNormBias, eps);
        linear(h, L.qkv, qkv);
        for (int t = 0; t < T; ++t) {
            const float* row = qkv.data() + static_cast<std::size_t>(t) * qkv.cols();
            for (int g = 0; g < c.nKvHeads; ++g) {
                const float* group = row + static_cast<std::size_t>(g) * (perGroup + 2) * hd;
                std::copy(group, group + perGroup * hd, q.data() + static_cast<std::size_t>(t) * qDim + g * perGroup * hd);
                std::copy(group + perGroup * hd, group + (perGroup + 1) * hd,
                          k.data() + static_cast<std::size_t>(t) * kvDim + g * hd);
                std::copy(group + (perGroup + 1) * hd, group + (perGroup + 2) * hd,
                          v.data() + static_cast<std::size_t>(t) * kvDim + g * hd);
            }
        }
        applyRope(q, c.nHeads, hd, rope);
        applyRope(k, c.nKvHeads, hd, rope);
        multiHeadAttention({q.data(), k.data(), v.data(), qDim, kvDim, kvDim}, T, heads, l, trace, context, &L.out);
        if (l == c.nLayers - 1 && !options.computeLogits) break;
        linear(context, L.out, attnOut);
        // 3. MLP in parallel on ln_mlp of the same input; x + (mlp + attn).
        h = x;
        layerNorm(h, L.ffnNormGain, L.ffnNormBias, eps);
        linear(h, L.ffnIn, hidden);
        applyActivation(hidden, m_activation);
        linear(hidden, L.ffnOut, mlpOut);
        mlpOut += attnOut;
        x += mlpOut;
    }
    if (options.computeLogits) {
        // 4. ln_f and lm_head.
        layerNorm(x, m_finalNormGain, m_finalNormBias, eps);
        RowMatrix logits;  // (seqLen, vocab)
        linear(x, m_lmHead, logits);
        trace.vocabSize = c.vocabSize;
        trace.logits.assign(logits.data(), logits.data() + logits.size());
    }
    return Status::success();
}

}  // namespace attnviz::core
