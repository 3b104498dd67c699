#include "gpt_neox_model.h"

#include "attnviz/core/attention_kernel.h"
#include "forward_steps.h"
#include "layer_capture_steps.h"
#include "tensor_binder.h"

#include <cmath>

namespace attnviz::core {

using R = TensorRole;

Result<std::unique_ptr<Model>> GptNeoXModel::create(ModelConfig config, std::unique_ptr<WeightStore> store,
                                                    const ProgressFn& progress) {
    auto bound = bindTensors(*store, config, progress, wholeLinearRoles());
    if (!bound) return bound.takeError();
    const BoundTensors& w = bound.value();
    const ModelConfig& c = config;

    std::unique_ptr<GptNeoXModel> m(new GptNeoXModel(config));
    m->m_activation = activationFromName(c.activation);
    m->m_rope = ropeScalingParams(c.ropeScaling);
    m->m_weights = bindLayerNormDecoder(w, c, c.tieWordEmbeddings, c.dModel);
    m->adoptBinding(w);
    m->m_store = std::move(store);
    return std::unique_ptr<Model>(std::move(m));
}

Status GptNeoXModel::forward(std::span<const std::int32_t> ids, std::span<const std::int32_t>,
                             const RunOptions& options, AttentionTrace& trace) const {
    const ModelConfig& c = config();
    const int T = static_cast<int>(ids.size());
    const int d = c.dModel;
    const int hd = c.headDim;
    const float eps = static_cast<float>(c.normEps);
    const int first = firstRow(options);  // rows [first, T) computed, the rest kept

    // 1. Token embeddings (no position embeddings: RoPE rotates q and k).
    RowMatrix x;  // (seqLen - first, dModel)
    {
        const LayerLease leased = m_store->leaseLayer(c.nLayers);  // embeddings and head (lazy stores)
        x = embedTokens(m_weights.tokenEmbedding, ids.subspan(first), d);
    }
    const RopeTable rope = ropeRows(makeRopeTable(T, c.rotaryDims, c.ropeTheta, m_rope), first);  // (seqLen - first, rotaryDims) each
    const HeadLayout heads{c.nHeads, c.nHeads, hd, 1.0f / std::sqrt(static_cast<float>(hd))};

    RowMatrix h;          // (seqLen - first, dModel) normalised input of a block
    RowMatrix qkv;        // (seqLen - first, nHeads 3 headDim): head h holds [q k v] at h 3 headDim
    RowMatrix q, k, v;    // (seqLen - first, nHeads headDim) each
    RowMatrix context;    // (seqLen, nHeads headDim)
    RowMatrix attnOut;    // (seqLen - first, dModel)
    RowMatrix mlpOut;     // (seqLen - first, dModel)
    for (int l = 0; l < c.nLayers; ++l) {
        const LayerLease leased = m_store->leaseLayer(l);  // this layer's weights stay filled
        if (cancelRequested(options)) return cancelledError();
        const Layer& L = m_weights.layers[l];
        // 2. Attention: input_layernorm, fused projection split per head into
        //    contiguous Q, K, V, partial RoPE, attention (recorded), dense.
        layerNorm(x, L.attnNormGain, L.attnNormBias, eps, h);
        linear(h, L.qkv, qkv);
        splitGroupedQkv(qkv, c.nHeads, 1, hd, q, k, v);
        LayerCapture* captured = trace.captureFor(l);
        if (captured != nullptr && c.rotaryDims > 0) captureBeforeRope(*captured, q, k);
        if (c.rotaryDims > 0) {
            applyPartialRope(q, c.nHeads, hd, c.rotaryDims, rope);
            applyPartialRope(k, c.nHeads, hd, c.rotaryDims, rope);
        }
        multiHeadAttention(allRows(options, l, q, k, v), T, heads, l, trace, context, &L.out);
        if (captured != nullptr) {
            captureAttention(*captured, h, allRows(options, l, q, k, v), T, heads, context, inverseSqrtRule(hd),
                             c.parallelResidual ? "x + attention(LN1(x)) + mlp(LN2(x)): attention and MLP in parallel"
                                                : "x + attention(LN(x)): pre-LN, added to the residual stream");
        }
        if (l == c.nLayers - 1 && !options.computeLogits && captured == nullptr) break;
        linear(newRows(context, first, h), L.out, attnOut);
        if (captured != nullptr) captureOutput(*captured, attnOut, L.out);
        if (l == c.nLayers - 1 && !options.computeLogits) break;
        // 3. MLP: parallel (post_attention_layernorm of the block's input,
        //    x + attn + mlp) or sequential (of x + attn).
        if (!c.parallelResidual) x += attnOut;
        layerNorm(x, L.ffnNormGain, L.ffnNormBias, eps, h);
        feedForward(h, L.ffnIn, m_activation, L.ffnOut, mlpOut);
        if (c.parallelResidual) mlpOut += attnOut;  // mlp + attn + x, in Hugging Face's order
        x += mlpOut;
    }
    if (options.computeLogits) {
        const LayerLease leased = m_store->leaseLayer(c.nLayers);
        // 4. final_layer_norm and embed_out.
        RowMatrix last = logitRows(x, trace, first);  // (logitRows, dModel)
        layerNorm(last, m_weights.finalNormGain, m_weights.finalNormBias, eps);
        writeLogits(last, m_weights.lmHead, c.vocabSize, trace);
    }
    return Status::success();
}

}  // namespace attnviz::core
