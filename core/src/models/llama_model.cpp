#include "llama_model.h"

#include "attnviz/core/attention_kernel.h"
#include "tensor_binder.h"

#include <cmath>

namespace attnviz::core {

using R = TensorRole;

namespace {

// Rows [first, first + count) of a fused nn.Linear (weight stored (out, in)).
Linear rowsOf(const Linear& fused, int first, int count) {
    Linear part = fused;
    part.weight = fused.weight + static_cast<std::size_t>(first) * fused.in;
    part.bias = fused.bias != nullptr ? fused.bias + first : nullptr;
    part.out = count;
    return part;
}

}  // namespace

Result<std::unique_ptr<Model>> LlamaModel::create(ModelConfig config, std::unique_ptr<WeightStore> store,
                                                  const ProgressFn& progress) {
    if (config.mlpBias) return makeError(ErrorCode::Unsupported, "mlp_bias=true is not supported");
    auto bound = bindTensors(*store, config, progress);
    if (!bound) return bound.takeError();
    const BoundTensors& w = bound.value();
    const ModelConfig& c = config;

    std::unique_ptr<LlamaModel> m(new LlamaModel(config));
    switch (c.ropeScaling.type) {
    case RopeScaling::Type::None: m->m_rope.kind = RopeScalingParams::Kind::None; break;
    case RopeScaling::Type::Linear: m->m_rope.kind = RopeScalingParams::Kind::Linear; break;
    case RopeScaling::Type::Llama3: m->m_rope.kind = RopeScalingParams::Kind::Llama3; break;
    }
    m->m_rope.factor = static_cast<float>(c.ropeScaling.factor);
    m->m_rope.lowFreqFactor = static_cast<float>(c.ropeScaling.lowFreqFactor);
    m->m_rope.highFreqFactor = static_cast<float>(c.ropeScaling.highFreqFactor);
    m->m_rope.originalMaxPositions = static_cast<float>(c.ropeScaling.originalMaxPositions);

    const int qDim = c.nHeads * c.headDim;
    const int kvDim = c.nKvHeads * c.headDim;
    m->m_tokenEmbedding = w.get(R::TokenEmbedding);
    for (int l = 0; l < c.nLayers; ++l) {
        Layer L;
        L.attnNormGain = w.get(R::AttnNormWeight, l);
        if (w.has(R::AttnQkvWeight, l)) {
            // Phi-3: qkv_proj rows [Q | K | V] and gate_up_proj rows
            // [gate | up]; each projection is a view of its rows.
            const Linear qkv = w.linear(R::AttnQkvWeight, l);
            L.q = rowsOf(qkv, 0, qDim);
            L.k = rowsOf(qkv, qDim, kvDim);
            L.v = rowsOf(qkv, qDim + kvDim, kvDim);
            const Linear gateUp = w.linear(R::FfnGateUpWeight, l);
            L.gate = rowsOf(gateUp, 0, c.dFF);
            L.up = rowsOf(gateUp, c.dFF, c.dFF);
        } else {
            L.q = w.linear(R::AttnQWeight, R::AttnQBias, l);
            L.k = w.linear(R::AttnKWeight, R::AttnKBias, l);
            L.v = w.linear(R::AttnVWeight, R::AttnVBias, l);
            L.gate = w.linear(R::FfnGateWeight, l);
            L.up = w.linear(R::FfnUpWeight, l);
        }
        L.out = w.linear(R::AttnOutWeight, R::AttnOutBias, l);
        L.ffnNormGain = w.get(R::FfnNormWeight, l);
        L.down = w.linear(R::FfnDownWeight, l);
        m->m_layers.push_back(L);
    }
    m->m_finalNormGain = w.get(R::FinalNormWeight);
    // Tied to the token embeddings, or stored (required) when untied.
    m->m_lmHead = c.tieWordEmbeddings ? Linear{m->m_tokenEmbedding, nullptr, c.dModel, c.vocabSize}
                                      : w.linear(R::LmHeadWeight, -1);
    m->setLoadWarnings(w.warnings());
    m->m_store = std::move(store);
    return std::unique_ptr<Model>(std::move(m));
}

Status LlamaModel::forward(std::span<const std::int32_t> ids, std::span<const std::int32_t>,
                   const RunOptions& options, AttentionTrace& trace) const {
    const ModelConfig& c = config();
    const int T = static_cast<int>(ids.size());
    const int d = c.dModel;
    const int qDim = c.nHeads * c.headDim;
    const int kvDim = c.nKvHeads * c.headDim;

    // 1. Token embeddings (no position embeddings: RoPE rotates q and k).
    RowMatrix x(T, d);  // (seqLen, dModel)
    for (int t = 0; t < T; ++t) {
        x.row(t) = Eigen::Map<const Eigen::RowVectorXf>(m_tokenEmbedding + static_cast<std::size_t>(ids[t]) * d, d);
    }
    const RopeTable rope = makeRopeTable(T, c.headDim, c.ropeTheta, m_rope);  // (seqLen, headDim) each
    const HeadLayout heads{c.nHeads, c.nKvHeads, c.headDim, 1.0f / std::sqrt(static_cast<float>(c.headDim))};

    RowMatrix h;            // (seqLen, dModel) normalised input of a block
    RowMatrix q;            // (seqLen, nHeads headDim)
    RowMatrix k, v;         // (seqLen, nKvHeads headDim)
    RowMatrix context;      // (seqLen, nHeads headDim)
    RowMatrix proj;         // (seqLen, dModel)
    RowMatrix gate, up;     // (seqLen, dFF)
    for (int l = 0; l < c.nLayers; ++l) {
        if (options.cancel != nullptr && options.cancel->load()) {
            return makeError(ErrorCode::Cancelled, "cancelled");
        }
        const Layer& L = m_layers[l];
        // 2. Attention block: RMSNorm, q/k/v projections, RoPE on q and k,
        //    grouped-query attention (recorded), o_proj, residual.
        rmsNorm(x, L.attnNormGain, static_cast<float>(c.normEps), h);
        linear(h, L.q, q);
        linear(h, L.k, k);
        linear(h, L.v, v);
        applyRope(q, c.nHeads, c.headDim, rope);
        applyRope(k, c.nKvHeads, c.headDim, rope);
        multiHeadAttention({q.data(), k.data(), v.data(), qDim, kvDim, kvDim}, T, heads, l, trace, context, &L.out);
        linear(context, L.out, proj);
        x += proj;
        if (l == c.nLayers - 1 && !options.computeLogits) break;
        // 3. MLP block: RMSNorm, down(silu(gate(h)) * up(h)), residual.
        rmsNorm(x, L.ffnNormGain, static_cast<float>(c.normEps), h);
        linear(h, L.gate, gate);
        linear(h, L.up, up);
        applyActivation(gate, Activation::Silu);
        gate.array() *= up.array();
        linear(gate, L.down, proj);
        x += proj;
    }
    if (options.computeLogits) {
        // 4. Final RMSNorm and LM head.
        rmsNorm(x, m_finalNormGain, static_cast<float>(c.normEps), h);
        RowMatrix logits;  // (seqLen, vocab)
        linear(h, m_lmHead, logits);
        trace.vocabSize = c.vocabSize;
        trace.logits.assign(logits.data(), logits.data() + logits.size());
    }
    return Status::success();
}

}  // namespace attnviz::core
