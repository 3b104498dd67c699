#include "gpt_neo_model.h"

#include "attnviz/core/attention_kernel.h"
#include "forward_steps.h"
#include "layer_capture_steps.h"
#include "tensor_binder.h"

namespace attnviz::core {

using R = TensorRole;

Result<std::unique_ptr<Model>> GptNeoModel::create(ModelConfig config, std::unique_ptr<WeightStore> store,
                                                   const ProgressFn& progress) {
    auto bound = bindTensors(*store, config, progress, wholeLinearRoles());
    if (!bound) return bound.takeError();
    const BoundTensors& w = bound.value();
    const ModelConfig& c = config;

    std::unique_ptr<GptNeoModel> m(new GptNeoModel(config));
    m->m_activation = activationFromName(c.activation);
    m->m_weights = bindLayerNormDecoder(w, c, c.tieWordEmbeddings, c.dModel);
    m->adoptBinding(w);
    m->m_store = std::move(store);
    return std::unique_ptr<Model>(std::move(m));
}

Status GptNeoModel::forward(std::span<const std::int32_t> ids, std::span<const std::int32_t>,
                            const RunOptions& options, AttentionTrace& trace) const {
    const ModelConfig& c = config();
    const int T = static_cast<int>(ids.size());
    const int d = c.dModel;
    const int first = firstRow(options);  // rows [first, T) computed, the rest kept

    // 1. Embeddings: token + learned position (first..T-1).
    RowMatrix x;  // (seqLen - first, dModel)
    {
        const LayerLease leased = m_store->leaseLayer(c.nLayers);  // embeddings and head (lazy stores)
        x = embedTokens(m_weights.tokenEmbedding, ids.subspan(first), d);
        addPositionEmbeddings(x, m_weights.positionEmbedding, first);  // a model-wide table too
    }

    // GPT-Neo does not divide the scores by sqrt(headDim): scale 1.
    const HeadLayout heads{c.nHeads, c.nHeads, c.headDim, 1.0f};
    RowMatrix h;        // (seqLen - first, dModel) normalised input of a block
    RowMatrix q, k, v;  // (seqLen - first, dModel) each
    RowMatrix context;  // (seqLen, dModel)
    RowMatrix proj;     // (seqLen - first, dModel)
    for (int l = 0; l < c.nLayers; ++l) {
        const LayerLease leased = m_store->leaseLayer(l);  // this layer's weights stay filled
        if (cancelRequested(options)) return cancelledError();
        const Layer& L = m_weights.layers[l];
        // 2. Attention block (pre-LN): ln_1, q/k/v, attention (recorded; local
        //    layers see their window through the trace's layer mask),
        //    out_proj, residual.
        layerNorm(x, L.attnNormGain, L.attnNormBias, static_cast<float>(c.normEps), h);
        linear(h, L.q, q);
        linear(h, L.k, k);
        linear(h, L.v, v);
        multiHeadAttention(allRows(options, l, q, k, v), T, heads, l, trace, context, &L.out);
        LayerCapture* captured = trace.captureFor(l);
        if (captured != nullptr) {
            captureAttention(*captured, h, allRows(options, l, q, k, v), T, heads, context,
                             "none: GPT-Neo does not scale its scores", "x + attention(norm(x)): pre-LN, added to the residual stream");
        }
        linear(newRows(context, first, h), L.out, proj);
        if (captured != nullptr) captureOutput(*captured, proj, L.out);
        x += proj;
        if (l == c.nLayers - 1 && !options.computeLogits) break;
        // 3. MLP block (pre-LN): ln_2, c_fc, activation, c_proj, residual.
        layerNorm(x, L.ffnNormGain, L.ffnNormBias, static_cast<float>(c.normEps), h);
        feedForward(h, L.ffnIn, m_activation, L.ffnOut, proj);
        x += proj;
    }
    if (options.computeLogits) {
        const LayerLease leased = m_store->leaseLayer(c.nLayers);
        // 4. ln_f and the LM head.
        RowMatrix last = logitRows(x, trace, first);  // (logitRows, dModel)
        layerNorm(last, m_weights.finalNormGain, m_weights.finalNormBias, static_cast<float>(c.normEps));
        writeLogits(last, m_weights.lmHead, c.vocabSize, trace);
    }
    return Status::success();
}

}  // namespace attnviz::core
