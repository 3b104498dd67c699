#include "llama_model.h"

#include "attnviz/core/attention_kernel.h"
#include "forward_steps.h"
#include "layer_capture_steps.h"
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
    // Phi-3's fused qkv_proj and gate_up_proj are split by rows (rowsOf), so
    // they stay as stored.
    std::vector<TensorRole> transposable = wholeLinearRoles();
    std::erase(transposable, R::AttnQkvWeight);
    auto bound = bindTensors(*store, config, progress, transposable);
    if (!bound) return bound.takeError();
    const BoundTensors& w = bound.value();
    const ModelConfig& c = config;

    std::unique_ptr<LlamaModel> m(new LlamaModel(config));
    m->m_rope = ropeScalingParams(c.ropeScaling);
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
    m->m_lmHead = lmHead(w, c.tieWordEmbeddings, m->m_tokenEmbedding, c.dModel, c.vocabSize);
    m->adoptBinding(w);
    m->m_store = std::move(store);
    return std::unique_ptr<Model>(std::move(m));
}

Status LlamaModel::forward(std::span<const std::int32_t> ids, std::span<const std::int32_t>,
                   const RunOptions& options, AttentionTrace& trace) const {
    const ModelConfig& c = config();
    const int T = static_cast<int>(ids.size());
    const int d = c.dModel;
    const int first = firstRow(options);  // rows [first, T) computed, the rest kept

    // 1. Token embeddings (no position embeddings: RoPE rotates q and k).
    RowMatrix x;  // (seqLen - first, dModel)
    {
        const LayerLease leased = m_store->leaseLayer(c.nLayers);  // embeddings and head (lazy stores)
        x = embedTokens(m_tokenEmbedding, ids.subspan(first), d);
    }
    const RopeTable rope = ropeRows(makeRopeTable(T, c.headDim, c.ropeTheta, m_rope), first);  // (seqLen - first, headDim) each
    const HeadLayout heads{c.nHeads, c.nKvHeads, c.headDim, 1.0f / std::sqrt(static_cast<float>(c.headDim))};

    RowMatrix h;            // (seqLen - first, dModel) normalised input of a block
    RowMatrix q;            // (seqLen - first, nHeads headDim)
    RowMatrix k, v;         // (seqLen - first, nKvHeads headDim)
    RowMatrix context;      // (seqLen, nHeads headDim)
    RowMatrix proj;         // (seqLen - first, dModel)
    for (int l = 0; l < c.nLayers; ++l) {
        const LayerLease leased = m_store->leaseLayer(l);  // this layer's weights stay filled
        if (cancelRequested(options)) return cancelledError();
        const Layer& L = m_layers[l];
        // 2. Attention block: RMSNorm, q/k/v projections, RoPE on q and k,
        //    grouped-query attention over every row (recorded), o_proj, residual.
        rmsNorm(x, L.attnNormGain, static_cast<float>(c.normEps), h);
        linear(h, L.q, q);
        linear(h, L.k, k);
        linear(h, L.v, v);
        LayerCapture* captured = trace.captureFor(l);
        if (captured != nullptr) captureBeforeRope(*captured, q, k);
        applyRope(q, c.nHeads, c.headDim, rope);
        applyRope(k, c.nKvHeads, c.headDim, rope);
        multiHeadAttention(allRows(options, l, q, k, v), T, heads, l, trace, context, &L.out);
        if (captured != nullptr) {
            captureAttention(*captured, h, allRows(options, l, q, k, v), T, heads, context, inverseSqrtRule(c.headDim),
                             "x + attention(RMSNorm(x)): pre-norm, added to the residual stream");
        }
        linear(newRows(context, first, h), L.out, proj);
        if (captured != nullptr) captureOutput(*captured, proj, L.out);
        x += proj;
        if (l == c.nLayers - 1 && !options.computeLogits) break;
        // 3. MLP block: RMSNorm, down(silu(gate(h)) * up(h)), residual.
        rmsNorm(x, L.ffnNormGain, static_cast<float>(c.normEps), h);
        gatedFeedForward(h, L.gate, L.up, Activation::Silu, L.down, proj);
        x += proj;
    }
    if (options.computeLogits) {
        const LayerLease leased = m_store->leaseLayer(c.nLayers);
        // 4. Final RMSNorm and LM head.
        rmsNorm(logitRows(x, trace, first), m_finalNormGain, static_cast<float>(c.normEps), h);  // (logitRows, dModel)
        writeLogits(h, m_lmHead, c.vocabSize, trace);
    }
    return Status::success();
}

}  // namespace attnviz::core
