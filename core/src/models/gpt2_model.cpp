#include "gpt2_model.h"

#include "attnviz/core/attention_kernel.h"
#include "forward_steps.h"
#include "layer_capture_steps.h"
#include "tensor_binder.h"

#include <cmath>

namespace attnviz::core {

using R = TensorRole;

Result<std::unique_ptr<Model>> Gpt2Model::create(ModelConfig config, std::unique_ptr<WeightStore> store,
                                                 const ProgressFn& progress) {
    auto bound = bindTensors(*store, config, progress);
    if (!bound) return bound.takeError();
    const BoundTensors& w = bound.value();
    const ModelConfig& c = config;

    std::unique_ptr<Gpt2Model> m(new Gpt2Model(config));
    m->m_activation = activationFromName(c.activation);
    m->m_weights = bindLayerNormDecoder(w, c, !w.has(R::LmHeadWeight), c.dModel, WeightLayout::Conv1D);
    m->adoptBinding(w);
    m->m_store = std::move(store);
    return std::unique_ptr<Model>(std::move(m));
}

Status Gpt2Model::forward(std::span<const std::int32_t> ids, std::span<const std::int32_t>,
                   const RunOptions& options, AttentionTrace& trace) const {
    const ModelConfig& c = config();
    const int T = static_cast<int>(ids.size());
    const int d = c.dModel;
    const int first = firstRow(options);  // rows [first, T) computed, the rest kept

    // 1. Embeddings: token + learned position.
    RowMatrix x;  // (seqLen - first, dModel)
    {
        const LayerLease leased = m_store->leaseLayer(c.nLayers);  // embeddings and head (lazy stores)
        x = embedTokens(m_weights.tokenEmbedding, ids.subspan(first), d);
        addPositionEmbeddings(x, m_weights.positionEmbedding, first);  // a model-wide table too
    }

    RowMatrix h;        // (seqLen - first, dModel) normalised input of a block
    RowMatrix qkv;      // (seqLen - first, 3 dModel): q | k | v
    RowMatrix context;  // (seqLen, dModel)
    RowMatrix proj;     // (seqLen - first, dModel)
    for (int l = 0; l < c.nLayers; ++l) {
        const LayerLease leased = m_store->leaseLayer(l);  // this layer's weights stay filled
        if (cancelRequested(options)) return cancelledError();
        const Layer& L = m_weights.layers[l];
        float scale = c.scaleAttnWeights ? 1.0f / std::sqrt(static_cast<float>(c.headDim)) : 1.0f;
        if (c.scaleAttnByInverseLayerIdx) scale /= static_cast<float>(l + 1);
        const HeadLayout heads{c.nHeads, c.nHeads, c.headDim, scale};
        // 2. Attention block (pre-LN): ln_1, fused QKV, attention over every
        //    row (recorded), c_proj, residual.
        layerNorm(x, L.attnNormGain, L.attnNormBias, static_cast<float>(c.normEps), h);
        linear(h, L.qkv, qkv);
        const RowMatrix& all = keptAndNew(options, l, 0, qkv);  // (seqLen, 3 dModel)
        multiHeadAttention({all.data(), all.data() + d, all.data() + 2 * d, 3 * d, 3 * d, 3 * d}, T, heads, l,
                           trace, context, &L.out);
        LayerCapture* captured = trace.captureFor(l);
        if (captured != nullptr) {
            std::string rule = c.scaleAttnWeights ? inverseSqrtRule(c.headDim) : std::string("none (scale_attn_weights off)");
            if (c.scaleAttnByInverseLayerIdx) rule += ", divided by the layer number " + std::to_string(l + 1);
            captureAttention(*captured, h, {all.data(), all.data() + d, all.data() + 2 * d, 3 * d, 3 * d, 3 * d}, T, heads,
                             context, rule, "x + attention(norm(x)): pre-LN, added to the residual stream");
        }
        linear(newRows(context, first, h), L.out, proj);
        if (captured != nullptr) captureOutput(*captured, proj, L.out);
        x += proj;
        if (l == c.nLayers - 1 && !options.computeLogits) break;
        // 3. MLP block (pre-LN): ln_2, c_fc, GELU, c_proj, residual.
        layerNorm(x, L.ffnNormGain, L.ffnNormBias, static_cast<float>(c.normEps), h);
        feedForward(h, L.ffnIn, m_activation, L.ffnOut, proj);
        x += proj;
    }
    if (options.computeLogits) {
        const LayerLease leased = m_store->leaseLayer(c.nLayers);
        // 4. Final LayerNorm and LM head.
        RowMatrix last = logitRows(x, trace, first);  // (logitRows, dModel)
        layerNorm(last, m_weights.finalNormGain, m_weights.finalNormBias, static_cast<float>(c.normEps));
        writeLogits(last, m_weights.lmHead, c.vocabSize, trace);
    }
    return Status::success();
}

}  // namespace attnviz::core
