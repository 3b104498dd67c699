#include "gemma_model.h"

#include "attnviz/core/attention_kernel.h"
#include "forward_steps.h"
#include "layer_capture_steps.h"
#include "tensor_binder.h"

#include <cmath>

namespace attnviz::core {

using R = TensorRole;

namespace {

// cap tanh(x / cap), in place.
void softcap(RowMatrix& x, float cap) { x = (x.array() / cap).tanh() * cap; }

}  // namespace

Result<std::unique_ptr<Model>> GemmaModel::create(ModelConfig config, std::unique_ptr<WeightStore> store,
                                                  const ProgressFn& progress) {
    auto bound = bindTensors(*store, config, progress, wholeLinearRoles());
    if (!bound) return bound.takeError();
    const BoundTensors& w = bound.value();
    const ModelConfig& c = config;

    std::unique_ptr<GemmaModel> m(new GemmaModel(config));
    m->m_rope = ropeScalingParams(c.ropeScaling);
    m->m_activation = activationFromName(c.activation);
    // The stored w of a norm is used as (1 + w), added in float32 as HF does;
    // empty when the architecture has no such norm.
    auto gain = [&](TensorRole role, int layer) {
        Gain g;
        if (const float* stored = w.get(role, layer)) {
            g.resize(static_cast<std::size_t>(c.dModel));
            for (int i = 0; i < c.dModel; ++i) g[static_cast<std::size_t>(i)] = 1.0f + stored[i];
        }
        return g;
    };

    m->m_tokenEmbedding = w.get(R::TokenEmbedding);
    for (int l = 0; l < c.nLayers; ++l) {
        Layer L;
        L.attnNorm = gain(R::AttnNormWeight, l);
        L.q = w.linear(R::AttnQWeight, R::AttnQBias, l);
        L.k = w.linear(R::AttnKWeight, R::AttnKBias, l);
        L.v = w.linear(R::AttnVWeight, R::AttnVBias, l);
        L.out = w.linear(R::AttnOutWeight, R::AttnOutBias, l);
        L.attnOutNorm = gain(R::AttnOutNormWeight, l);
        L.ffnNorm = gain(R::FfnNormWeight, l);
        L.gate = w.linear(R::FfnGateWeight, l);
        L.up = w.linear(R::FfnUpWeight, l);
        L.down = w.linear(R::FfnDownWeight, l);
        L.ffnOutNorm = gain(R::FfnOutNormWeight, l);
        m->m_layers.push_back(std::move(L));
    }
    m->m_finalNorm = gain(R::FinalNormWeight, -1);
    // Tied to the token embeddings, or stored (required) when untied.
    m->m_lmHead = lmHead(w, c.tieWordEmbeddings, m->m_tokenEmbedding, c.dModel, c.vocabSize);
    m->adoptBinding(w);
    m->m_store = std::move(store);
    return std::unique_ptr<Model>(std::move(m));
}

Status GemmaModel::forward(std::span<const std::int32_t> ids, std::span<const std::int32_t>,
                           const RunOptions& options, AttentionTrace& trace) const {
    const ModelConfig& c = config();
    const int T = static_cast<int>(ids.size());
    const int d = c.dModel;
    const float eps = static_cast<float>(c.normEps);
    const int first = firstRow(options);  // rows [first, T) computed, the rest kept

    // 1. Token embeddings times sqrt(dModel), the factor rounded to float32
    //    first (HF: torch.tensor(d ** 0.5, dtype=float32)).
    const float normalizer = static_cast<float>(std::sqrt(static_cast<double>(d)));
    RowMatrix x;  // (seqLen - first, dModel)
    {
        const LayerLease leased = m_store->leaseLayer(c.nLayers);  // embeddings and head (lazy stores)
        x = embedTokens(m_tokenEmbedding, ids.subspan(first), d);
    }
    x *= normalizer;
    const RopeTable rope = ropeRows(makeRopeTable(T, c.headDim, c.ropeTheta, m_rope), first);  // (seqLen - first, headDim) each
    // Gemma: headDim^-0.5; Gemma 2: query_pre_attn_scalar^-0.5.
    const double scaleBase = c.queryPreAttnScalar > 0 ? c.queryPreAttnScalar : static_cast<double>(c.headDim);
    const HeadLayout heads{c.nHeads, c.nKvHeads, c.headDim, static_cast<float>(std::pow(scaleBase, -0.5)),
                           static_cast<float>(c.attnLogitSoftcap)};

    RowMatrix h;            // (seqLen - first, dModel) normalised input of a block
    RowMatrix q;            // (seqLen - first, nHeads headDim)
    RowMatrix k, v;         // (seqLen - first, nKvHeads headDim)
    RowMatrix context;      // (seqLen, nHeads headDim)
    RowMatrix proj;         // (seqLen - first, dModel)
    // x += block output, through the block's post-norm when it has one (Gemma 2).
    auto addResidual = [&](RowMatrix& out, const Gain& postNorm) {
        if (postNorm.empty()) {
            x += out;
        } else {
            rmsNorm(out, postNorm.data(), eps, h);
            x += h;
        }
    };
    for (int l = 0; l < c.nLayers; ++l) {
        const LayerLease leased = m_store->leaseLayer(l);  // this layer's weights stay filled
        if (cancelRequested(options)) return cancelledError();
        const Layer& L = m_layers[l];
        // 2. Attention block: RMSNorm, q/k/v projections, RoPE on q and k,
        //    grouped-query attention (soft-capped scores on Gemma 2; local
        //    layers see the trace's window), o_proj, [post-norm,] residual.
        rmsNorm(x, L.attnNorm.data(), eps, h);
        linear(h, L.q, q);
        linear(h, L.k, k);
        linear(h, L.v, v);
        LayerCapture* captured = trace.captureFor(l);
        if (captured != nullptr) captureBeforeRope(*captured, q, k);
        applyRope(q, c.nHeads, c.headDim, rope);
        applyRope(k, c.nKvHeads, c.headDim, rope);
        multiHeadAttention(allRows(options, l, q, k, v), T, heads, l, trace, context, &L.out);
        if (captured != nullptr) {
            captureAttention(*captured, h, allRows(options, l, q, k, v), T, heads, context,
                             c.queryPreAttnScalar > 0 ? "1/sqrt(query_pre_attn_scalar) = 1/sqrt(" +
                                                            std::to_string(static_cast<long long>(c.queryPreAttnScalar)) + ")" +
                                                            (c.attnLogitSoftcap > 0 ? ", then the soft cap" : "")
                                                      : inverseSqrtRule(c.headDim),
                             L.attnOutNorm.empty() ? "x + attention(RMSNorm(x)): pre-norm, added to the residual stream"
                                                   : "x + RMSNorm(attention(RMSNorm(x))): Gemma 2 normalises the block's "
                                                     "output before adding it to the residual stream");
        }
        linear(newRows(context, first, h), L.out, proj);
        if (captured != nullptr) captureOutput(*captured, proj, L.out);
        addResidual(proj, L.attnOutNorm);
        if (l == c.nLayers - 1 && !options.computeLogits) break;
        // 3. GeGLU MLP: RMSNorm, down(act(gate(h)) * up(h)), [post-norm,] residual.
        rmsNorm(x, L.ffnNorm.data(), eps, h);
        gatedFeedForward(h, L.gate, L.up, m_activation, L.down, proj);
        addResidual(proj, L.ffnOutNorm);
    }
    if (options.computeLogits) {
        const LayerLease leased = m_store->leaseLayer(c.nLayers);
        // 4. Final RMSNorm, LM head, [final-logit soft-cap].
        rmsNorm(logitRows(x, trace, first), m_finalNorm.data(), eps, h);  // (logitRows, dModel)
        RowMatrix logits;  // (logitRows, vocab)
        linear(h, m_lmHead, logits);
        if (c.finalLogitSoftcap > 0) softcap(logits, static_cast<float>(c.finalLogitSoftcap));
        storeLogits(logits, c.vocabSize, trace);
    }
    return Status::success();
}

}  // namespace attnviz::core
