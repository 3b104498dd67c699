#include "modernbert_model.h"

#include "attnviz/core/attention_kernel.h"
#include "forward_steps.h"
#include "layer_capture_steps.h"
#include "tensor_binder.h"

#include <cmath>

namespace attnviz::core {

using R = TensorRole;

Result<std::unique_ptr<Model>> ModernBertModel::create(ModelConfig config, std::unique_ptr<WeightStore> store,
                                                       const ProgressFn& progress) {
    auto bound = bindTensors(*store, config, progress, wholeLinearRoles());
    if (!bound) return bound.takeError();
    const BoundTensors& w = bound.value();
    const ModelConfig& c = config;

    std::unique_ptr<ModernBertModel> m(new ModernBertModel(config));
    m->m_zeros.assign(static_cast<std::size_t>(c.dModel), 0.0f);
    m->m_activation = activationFromName(c.activation);
    m->m_headActivation = activationFromName(c.headActivation);
    m->m_tokenEmbedding = w.get(R::TokenEmbedding);
    m->m_embedNorm = m->norm(w.get(R::EmbedNormWeight), w.get(R::EmbedNormBias));
    for (int l = 0; l < c.nLayers; ++l) {
        Layer L;
        if (l > 0) L.attnNorm = m->norm(w.get(R::AttnNormWeight, l), w.get(R::AttnNormBias, l));
        L.qkv = w.linear(R::AttnQkvWeight, R::AttnQkvBias, l);
        L.out = w.linear(R::AttnOutWeight, R::AttnOutBias, l);
        L.mlpNorm = m->norm(w.get(R::FfnNormWeight, l), w.get(R::FfnNormBias, l));
        L.wi = w.linear(R::FfnUpWeight, R::FfnUpBias, l);
        L.wo = w.linear(R::FfnDownWeight, R::FfnDownBias, l);
        m->m_layers.push_back(L);
    }
    m->m_finalNorm = m->norm(w.get(R::FinalNormWeight), w.get(R::FinalNormBias));
    // The masked-LM head is optional (a bare ModernBertModel has none).
    if (w.has(R::MlmTransformWeight)) {
        auto head = std::make_unique<MlmHead>();
        head->dense = w.linear(R::MlmTransformWeight, R::MlmTransformBias);
        head->norm = m->norm(w.get(R::MlmNormWeight), w.get(R::MlmNormBias));
        // Tied to the token embeddings unless untied and stored.
        head->decoder = lmHead(w, c.tieWordEmbeddings, m->m_tokenEmbedding, c.dModel, c.vocabSize);
        m->m_head = std::move(head);
    }
    m->adoptBinding(w);
    m->m_store = std::move(store);
    return std::unique_ptr<Model>(std::move(m));
}

ModernBertModel::Norm ModernBertModel::norm(const float* gain, const float* bias) const {
    // A LayerNorm without bias (norm_bias false) adds exact zeros.
    return {gain, bias != nullptr ? bias : m_zeros.data()};
}

void ModernBertModel::layerNormInto(const RowMatrix& x, const Norm& n, RowMatrix& y) const {
    y = x;
    if (n.gain != nullptr) layerNorm(y, n.gain, n.bias, static_cast<float>(config().normEps));
}

Status ModernBertModel::forward(std::span<const std::int32_t> ids, std::span<const std::int32_t>,
                                const RunOptions& options, AttentionTrace& trace) const {
    const ModelConfig& c = config();
    const int T = static_cast<int>(ids.size());
    const int d = c.dModel;
    const int f = c.dFF;

    // 1. Token embeddings, then LayerNorm (no position embeddings: RoPE).
    RowMatrix x;  // (seqLen, dModel)
    {
        const LayerLease leased = m_store->leaseLayer(c.nLayers);  // embeddings and head (lazy stores)
        x = embedTokens(m_tokenEmbedding, ids, d);
    }
    layerNorm(x, m_embedNorm.gain, m_embedNorm.bias, static_cast<float>(c.normEps));

    // One rotary table per layer kind: global_rope_theta and local_rope_theta.
    const RopeScalingParams noScaling;
    const RopeTable globalRope = makeRopeTable(T, c.headDim, c.ropeTheta, noScaling);     // (seqLen, headDim) each
    const RopeTable localRope = makeRopeTable(T, c.headDim, c.localRopeTheta, noScaling);  // (seqLen, headDim) each
    const HeadLayout heads{c.nHeads, c.nHeads, c.headDim, 1.0f / std::sqrt(static_cast<float>(c.headDim))};

    RowMatrix h;        // (seqLen, dModel) normalised input of a block
    RowMatrix qkv;      // (seqLen, 3 dModel): Q | K | V
    RowMatrix q, k;     // (seqLen, dModel) each, rotated
    RowMatrix context;  // (seqLen, dModel)
    RowMatrix proj;     // (seqLen, dModel)
    RowMatrix wi;       // (seqLen, 2 dFF): input | gate
    RowMatrix inner;    // (seqLen, dFF)
    for (int l = 0; l < c.nLayers; ++l) {
        const LayerLease leased = m_store->leaseLayer(l);  // this layer's weights stay filled
        if (cancelRequested(options)) return cancelledError();
        const Layer& L = m_layers[l];
        // 2. Attention block: attn_norm (none on layer 0), Wqkv, RoPE with the
        //    layer kind's theta on Q and K, attention (recorded), Wo, residual.
        layerNormInto(x, L.attnNorm, h);
        linear(h, L.qkv, qkv);
        q = qkv.leftCols(d);
        k = qkv.middleCols(d, d);
        LayerCapture* captured = trace.captureFor(l);
        if (captured != nullptr) captureBeforeRope(*captured, q, k);
        const RopeTable& rope = c.layerKind(l).isLocal() ? localRope : globalRope;
        applyRope(q, c.nHeads, c.headDim, rope);
        applyRope(k, c.nHeads, c.headDim, rope);
        multiHeadAttention({q.data(), k.data(), qkv.data() + 2 * d, d, d, 3 * d}, T, heads, l, trace, context,
                           &L.out);
        if (captured != nullptr) {
            captureAttention(*captured, h, {q.data(), k.data(), qkv.data() + 2 * d, d, d, 3 * d}, T, heads, context,
                             inverseSqrtRule(c.headDim),
                             l == 0 ? "x + attention(x): layer 0 has no attention norm, added to the residual stream"
                                    : "x + attention(LN(x)): pre-LN, added to the residual stream");
        }
        linear(context, L.out, proj);
        if (captured != nullptr) captureOutput(*captured, proj, L.out);
        x += proj;
        if (l == c.nLayers - 1 && !options.computeLogits) break;
        // 3. MLP block: mlp_norm, Wi, act(input) * gate, Wo, residual.
        layerNormInto(x, L.mlpNorm, h);
        linear(h, L.wi, wi);
        inner = wi.leftCols(f);
        applyActivation(inner, m_activation);
        inner.array() *= wi.rightCols(f).array();
        linear(inner, L.wo, proj);
        x += proj;
    }
    if (options.computeLogits) {
        const LayerLease leased = m_store->leaseLayer(c.nLayers);
        if (!m_head) {
            return makeError(ErrorCode::Unsupported,
                             "this checkpoint has no masked-language-model head, so it cannot predict tokens");
        }
        // 4. final_norm, then the head: dense, activation, norm, decoder.
        RowMatrix last = logitRows(x, trace);  // (logitRows, dModel)
        layerNorm(last, m_finalNorm.gain, m_finalNorm.bias, static_cast<float>(c.normEps));
        RowMatrix t;  // (logitRows, dModel)
        linear(last, m_head->dense, t);
        applyActivation(t, m_headActivation);
        layerNorm(t, m_head->norm.gain, m_head->norm.bias, static_cast<float>(c.normEps));
        writeLogits(t, m_head->decoder, c.vocabSize, trace);
    }
    return Status::success();
}

}  // namespace attnviz::core
