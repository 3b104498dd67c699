#include "gpt_neox_model.h"

#include "attnviz/core/attention_kernel.h"
#include "tensor_binder.h"

#include <cmath>

namespace attnviz::core {

using R = TensorRole;

namespace {

RopeScalingParams ropeParams(const RopeScaling& s) {
    RopeScalingParams p;
    switch (s.type) {
    case RopeScaling::Type::None: p.kind = RopeScalingParams::Kind::None; break;
    case RopeScaling::Type::Linear: p.kind = RopeScalingParams::Kind::Linear; break;
    case RopeScaling::Type::Llama3: p.kind = RopeScalingParams::Kind::Llama3; break;
    }
    p.factor = static_cast<float>(s.factor);
    p.lowFreqFactor = static_cast<float>(s.lowFreqFactor);
    p.highFreqFactor = static_cast<float>(s.highFreqFactor);
    p.originalMaxPositions = static_cast<float>(s.originalMaxPositions);
    return p;
}

}  // namespace

Result<std::unique_ptr<Model>> GptNeoXModel::create(ModelConfig config, std::unique_ptr<WeightStore> store,
                                                    const ProgressFn& progress) {
    auto bound = bindTensors(*store, config, progress);
    if (!bound) return bound.takeError();
    const BoundTensors& w = bound.value();
    const ModelConfig& c = config;

    std::unique_ptr<GptNeoXModel> m(new GptNeoXModel(config));
    m->m_activation = activationFromName(c.activation);
    m->m_rope = ropeParams(c.ropeScaling);
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
    // embed_in when tied, else the stored (required) embed_out.
    m->m_lmHead = c.tieWordEmbeddings ? Linear{m->m_tokenEmbedding, nullptr, c.dModel, c.vocabSize}
                                      : w.linear(R::LmHeadWeight, -1);
    m->setLoadWarnings(w.warnings());
    m->m_store = std::move(store);
    return std::unique_ptr<Model>(std::move(m));
}

Status GptNeoXModel::forward(std::span<const std::int32_t> ids, std::span<const std::int32_t>,
                             const RunOptions& options, AttentionTrace& trace) const {
    const ModelConfig& c = config();
    const int T = static_cast<int>(ids.size());
    const int d = c.dModel;
    const int hd = c.headDim;
    const int width = c.nHeads * hd;
    const float eps = static_cast<float>(c.normEps);

    // 1. Token embeddings (no position embeddings: RoPE rotates q and k).
    RowMatrix x(T, d);  // (seqLen, dModel)
    for (int t = 0; t < T; ++t) {
        x.row(t) = Eigen::Map<const Eigen::RowVectorXf>(m_tokenEmbedding + static_cast<std::size_t>(ids[t]) * d, d);
    }
    const RopeTable rope = makeRopeTable(T, c.rotaryDims, c.ropeTheta, m_rope);  // (seqLen, rotaryDims) each
    const HeadLayout heads{c.nHeads, c.nHeads, hd, 1.0f / std::sqrt(static_cast<float>(hd))};

    RowMatrix h;          // (seqLen, dModel) normalised input of a block
    RowMatrix qkv;        // (seqLen, nHeads 3 headDim): head h holds [q k v] at h 3 headDim
    RowMatrix q(T, width), k(T, width), v(T, width);  // (seqLen, nHeads headDim) each
    RowMatrix context;    // (seqLen, nHeads headDim)
    RowMatrix attnOut;    // (seqLen, dModel)
    RowMatrix mlpOut;     // (seqLen, dModel)
    RowMatrix hidden;     // (seqLen, dFF)
    for (int l = 0; l < c.nLayers; ++l) {
        if (options.cancel != nullptr && options.cancel->load()) {
            return makeError(ErrorCode::Cancelled, "cancelled");
        }
        const Layer& L = m_layers[l];
        // 2. Attention: input_layernorm, fused projection split per head into
        //    contiguous Q, K, V, partial RoPE, attention (recorded), dense.
        h = x;
        layerNorm(h, L.attnNormGain, L.attnNormBias, eps);
        linear(h, L.qkv, qkv);
        for (int t = 0; t < T; ++t) {
            for (int head = 0; head < c.nHeads; ++head) {
                const float* src = qkv.data() + static_cast<std::size_t>(t) * qkv.cols() + 3 * head * hd;
                const std::size_t dst = static_cast<std::size_t>(t) * width + head * hd;
                std::copy(src, src + hd, q.data() + dst);
                std::copy(src + hd, src + 2 * hd, k.data() + dst);
                std::copy(src + 2 * hd, src + 3 * hd, v.data() + dst);
            }
        }
        if (c.rotaryDims > 0) {
            applyPartialRope(q, c.nHeads, hd, c.rotaryDims, rope);
            applyPartialRope(k, c.nHeads, hd, c.rotaryDims, rope);
        }
        multiHeadAttention({q.data(), k.data(), v.data(), width, width, width}, T, heads, l, trace, context, &L.out);
        if (l == c.nLayers - 1 && !options.computeLogits) break;
        linear(context, L.out, attnOut);
        // 3. MLP: parallel (post_attention_layernorm of the block's input,
        //    x + attn + mlp) or sequential (of x + attn).
        if (!c.parallelResidual) x += attnOut;
        h = x;
        layerNorm(h, L.ffnNormGain, L.ffnNormBias, eps);
        linear(h, L.ffnIn, hidden);
        applyActivation(hidden, m_activation);
        linear(hidden, L.ffnOut, mlpOut);
        if (c.parallelResidual) mlpOut += attnOut;  // mlp + attn + x, in Hugging Face's order
        x += mlpOut;
    }
    if (options.computeLogits) {
        // 4. final_layer_norm and embed_out.
        layerNorm(x, m_finalNormGain, m_finalNormBias, eps);
        RowMatrix logits;  // (seqLen, vocab)
        linear(x, m_lmHead, logits);
        trace.vocabSize = c.vocabSize;
        trace.logits.assign(logits.data(), logits.data() + logits.size());
    }
    return Status::success();
}

}  // namespace attnviz::core
