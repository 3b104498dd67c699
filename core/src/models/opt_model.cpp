#include "opt_model.h"

#include "attnviz/core/attention_kernel.h"
#include "forward_steps.h"
#include "layer_capture_steps.h"
#include "tensor_binder.h"

#include <cmath>

namespace attnviz::core {

using R = TensorRole;

Result<std::unique_ptr<Model>> OptModel::create(ModelConfig config, std::unique_ptr<WeightStore> store,
                                                const ProgressFn& progress) {
    auto bound = bindTensors(*store, config, progress, wholeLinearRoles());
    if (!bound) return bound.takeError();
    const BoundTensors& w = bound.value();
    const ModelConfig& c = config;

    std::unique_ptr<OptModel> m(new OptModel(config));
    m->m_activation = activationFromName(c.activation);
    m->m_weights = bindLayerNormDecoder(w, c, !w.has(R::LmHeadWeight), c.wordEmbedProjDim);
    m->m_projectIn = w.linear(R::ProjectInWeight, -1);
    m->m_projectOut = w.linear(R::ProjectOutWeight, -1);
    m->adoptBinding(w);
    m->m_store = std::move(store);
    return std::unique_ptr<Model>(std::move(m));
}

Status OptModel::forward(std::span<const std::int32_t> ids, std::span<const std::int32_t>,
                         const RunOptions& options, AttentionTrace& trace) const {
    const ModelConfig& c = config();
    const int T = static_cast<int>(ids.size());
    const int e = c.wordEmbedProjDim;
    const float eps = static_cast<float>(c.normEps);
    const int first = firstRow(options);  // rows [first, T) computed, the rest kept

    // 1. Token embeddings (width word_embed_proj_dim), project_in to dModel
    //    when narrower, plus the learned position of token t at row t + 2.
    RowMatrix x;  // (seqLen - first, dModel)
    {
        // The projection and the position table are model-wide weights too.
        const LayerLease leased = m_store->leaseLayer(c.nLayers);  // embeddings and head (lazy stores)
        RowMatrix tokens = embedTokens(m_weights.tokenEmbedding, ids.subspan(first), e);  // (seqLen - first, wordEmbedProjDim)
        if (m_projectIn.weight != nullptr) {
            linear(tokens, m_projectIn, x);
        } else {
            x = std::move(tokens);
        }
        addPositionEmbeddings(x, m_weights.positionEmbedding, c.positionOffset + first);
    }

    // The query is scaled by headDim^-0.5 after q_proj (bias included), as
    // OPTAttention does; the scores are then q.k.
    const float queryScale = static_cast<float>(std::pow(static_cast<double>(c.headDim), -0.5));
    const HeadLayout heads{c.nHeads, c.nHeads, c.headDim, 1.0f};
    RowMatrix h;        // (seqLen - first, dModel) input of a block
    RowMatrix q, k, v;  // (seqLen - first, dModel) each
    RowMatrix context;  // (seqLen, dModel)
    RowMatrix proj;     // (seqLen - first, dModel)
    for (int l = 0; l < c.nLayers; ++l) {
        const LayerLease leased = m_store->leaseLayer(l);  // this layer's weights stay filled
        if (cancelRequested(options)) return cancelledError();
        const Layer& L = m_weights.layers[l];
        // 2. Attention block: self_attn_layer_norm before (pre-LN) or after
        //    the residual (post-LN); q/k/v, attention (recorded), out_proj.
        h = x;
        if (c.preLayerNorm) layerNorm(h, L.attnNormGain, L.attnNormBias, eps);
        linear(h, L.q, q);
        q *= queryScale;
        linear(h, L.k, k);
        linear(h, L.v, v);
        multiHeadAttention(allRows(options, l, q, k, v), T, heads, l, trace, context, &L.out);
        LayerCapture* captured = trace.captureFor(l);
        if (captured != nullptr) {
            captureAttention(*captured, h, allRows(options, l, q, k, v), T, heads, context,
                             "none here: OPT multiplies q by 1/sqrt(d_head) = 1/sqrt(" + std::to_string(c.headDim) +
                                 ") before the dot product (q is shown scaled)",
                             c.preLayerNorm ? "x + attention(norm(x)): pre-LN, added to the residual stream"
                                            : "norm(x + attention(x)): post-LN, x is the residual stream itself");
        }
        linear(newRows(context, first, h), L.out, proj);
        if (captured != nullptr) captureOutput(*captured, proj, L.out);
        x += proj;
        if (l == c.nLayers - 1 && !options.computeLogits) break;
        if (!c.preLayerNorm) layerNorm(x, L.attnNormGain, L.attnNormBias, eps);
        // 3. FFN block: final_layer_norm before or after; fc1, ReLU, fc2.
        h = x;
        if (c.preLayerNorm) layerNorm(h, L.ffnNormGain, L.ffnNormBias, eps);
        feedForward(h, L.ffnIn, m_activation, L.ffnOut, proj);
        x += proj;
        if (!c.preLayerNorm) layerNorm(x, L.ffnNormGain, L.ffnNormBias, eps);
    }
    if (options.computeLogits) {
        const LayerLease leased = m_store->leaseLayer(c.nLayers);
        // 4. decoder.final_layer_norm (pre-LN models), project_out when
        //    narrower, LM head.
        x = logitRows(x, trace, first);  // (logitRows, dModel)
        if (m_weights.finalNormGain != nullptr) layerNorm(x, m_weights.finalNormGain, m_weights.finalNormBias, eps);
        RowMatrix out;  // (logitRows, wordEmbedProjDim)
        if (m_projectOut.weight != nullptr) {
            linear(x, m_projectOut, out);
        } else {
            out = std::move(x);
        }
        writeLogits(out, m_weights.lmHead, c.vocabSize, trace);
    }
    return Status::success();
}

}  // namespace attnviz::core
