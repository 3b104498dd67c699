#include "t5_model.h"

#include "attnviz/core/attention_kernel.h"
#include "decoder_cache.h"
#include "layer_capture_steps.h"
#include "seq2seq_attention.h"

#include "../models/forward_steps.h"

#include <cmath>

namespace attnviz::core {

namespace {

bool stopRequested(const std::atomic<bool>* cancel) { return cancel != nullptr && cancel->load(); }

constexpr const char* kT5ScaleRule = "none: T5 does not scale q\u00b7k; it adds its relative position bias instead";

std::string layerBase(const char* stack, int layer) { return std::string(stack) + ".block." + std::to_string(layer) + ".layer."; }

}  // namespace

Result<std::unique_ptr<Seq2SeqModel>> T5Model::create(Seq2SeqConfig config, std::unique_ptr<WeightStore> store) {
    std::unique_ptr<T5Model> model(new T5Model(std::move(config)));
    model->m_store = std::move(store);
    Seq2SeqWeights w(*model->m_store);
    if (Status s = model->bind(w); !s) return s.takeError();
    if (auto unused = w.unusedWarning(); !unused.empty()) model->addLoadWarning(unused);
    return std::unique_ptr<Seq2SeqModel>(std::move(model));
}

T5Model::Attention T5Model::bindAttention(Seq2SeqWeights& w, const std::string& base, int heads, int headDim) const {
    const int d = config().dModel;
    const int inner = heads * headDim;
    return {w.linear(base + ".q", d, inner, false), w.linear(base + ".k", d, inner, false),
            w.linear(base + ".v", d, inner, false), w.linear(base + ".o", inner, d, false)};
}

T5Model::FeedForward T5Model::bindFeedForward(Seq2SeqWeights& w, const std::string& base, int dFF) const {
    const int d = config().dModel;
    FeedForward f;
    if (config().gatedFeedForward) {
        f.wi0 = w.linear(base + ".DenseReluDense.wi_0", d, dFF, false);
        f.wi1 = w.linear(base + ".DenseReluDense.wi_1", d, dFF, false);
    } else {
        f.wi = w.linear(base + ".DenseReluDense.wi", d, dFF, false);
    }
    f.wo = w.linear(base + ".DenseReluDense.wo", dFF, d, false);
    return f;
}

Status T5Model::bind(Seq2SeqWeights& w) {
    const Seq2SeqConfig& c = config();
    const std::int64_t d = c.dModel;
    m_embedding = w.required("shared.weight", {c.vocabSize, d});
    // Copies of the shared table some checkpoints store as well.
    w.optional("encoder.embed_tokens.weight", {c.vocabSize, d});
    w.optional("decoder.embed_tokens.weight", {c.vocabSize, d});
    m_encoderBias = w.required("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
                               {c.relativeBuckets, c.encoder.nHeads});
    m_decoderBias = w.required("decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
                               {c.relativeBuckets, c.decoder.nHeads});
    for (int l = 0; l < c.encoder.nLayers; ++l) {
        const std::string b = layerBase("encoder", l);
        EncoderLayer layer;
        layer.attnNorm = w.required(b + "0.layer_norm.weight", {d});
        layer.self = bindAttention(w, b + "0.SelfAttention", c.encoder.nHeads, c.encoder.headDim);
        layer.ffnNorm = w.required(b + "1.layer_norm.weight", {d});
        layer.ffn = bindFeedForward(w, b + "1", c.encoder.dFF);
        m_encoder.push_back(layer);
    }
    m_encoderFinalNorm = w.required("encoder.final_layer_norm.weight", {d});
    for (int l = 0; l < c.decoder.nLayers; ++l) {
        const std::string b = layerBase("decoder", l);
        DecoderLayer layer;
        layer.selfNorm = w.required(b + "0.layer_norm.weight", {d});
        layer.self = bindAttention(w, b + "0.SelfAttention", c.decoder.nHeads, c.decoder.headDim);
        layer.crossNorm = w.required(b + "1.layer_norm.weight", {d});
        layer.cross = bindAttention(w, b + "1.EncDecAttention", c.decoder.nHeads, c.decoder.headDim);
        layer.ffnNorm = w.required(b + "2.layer_norm.weight", {d});
        layer.ffn = bindFeedForward(w, b + "2", c.decoder.dFF);
        m_decoder.push_back(layer);
    }
    m_decoderFinalNorm = w.required("decoder.final_layer_norm.weight", {d});
    m_lmHead.in = c.dModel;
    m_lmHead.out = c.vocabSize;
    if (c.tieWordEmbeddings) {
        w.optional("lm_head.weight", {c.vocabSize, d});  // a stored copy of the shared table
        m_lmHead.weight = m_embedding;
        m_headScale = static_cast<float>(std::pow(static_cast<double>(c.dModel), -0.5));
    } else {
        m_lmHead.weight = w.required("lm_head.weight", {c.vocabSize, d});
    }
    return w.status();
}

void T5Model::feedForward(RowMatrix& x, const float* norm, const FeedForward& f) const {
    RowMatrix h;  // (rows, dModel)
    rmsNorm(x, norm, static_cast<float>(config().normEps), h);
    RowMatrix y;  // (rows, dModel)
    const Activation act = activationFromName(config().activation);
    if (config().gatedFeedForward) {
        gatedFeedForward(h, f.wi0, f.wi1, act, f.wo, y);
    } else {
        attnviz::core::feedForward(h, f.wi, act, f.wo, y);
    }
    x += y;
}

Status T5Model::encode(std::span<const std::int32_t> ids, const std::atomic<bool>* cancel, AttentionTrace& trace,
                       RowMatrix& hidden) const {
    const Seq2SeqConfig& c = config();
    const int S = static_cast<int>(ids.size());
    const float eps = static_cast<float>(c.normEps);
    RowMatrix x = embedTokens(m_embedding, ids, c.dModel);  // (S, dModel)
    std::vector<float> bias;                                // (He, S, S), shared by every layer
    t5PositionBias(m_encoderBias, c.relativeBuckets, c.relativeMaxDistance, c.encoder.nHeads, true, 0, S, S, bias);
    RowMatrix h, q, k, v, context, o;
    for (int l = 0; l < c.encoder.nLayers; ++l) {
        if (stopRequested(cancel)) return cancelledError();
        const EncoderLayer& layer = m_encoder[static_cast<std::size_t>(l)];
        rmsNorm(x, layer.attnNorm, eps, h);  // (S, dModel)
        linear(h, layer.self.q, q);          // (S, He headDim)
        linear(h, layer.self.k, k);
        linear(h, layer.self.v, v);
        AttentionInputs in{q.data(), k.data(), v.data(), static_cast<int>(q.cols()), static_cast<int>(k.cols()),
                           static_cast<int>(v.cols()), S, S, c.encoder.nHeads, c.encoder.headDim, 1.0f, 0, true,
                           trace.layerMask(l), bias.data()};
        if (!attendHeads(in, trace.probs(l, 0), trace.hasScores() ? trace.rawScores(l, 0) : nullptr, context)) {
            trace.markNonFiniteScores(l, 0);
        }
        if (trace.hasValueNorms()) recordLayerValueNorms(v, S, layer.self.o, c.encoder.nHeads, c.encoder.headDim, l, trace);
        LayerCapture* captured = trace.captureFor(l);
        if (captured != nullptr) {
            const HeadLayout heads{c.encoder.nHeads, c.encoder.nHeads, c.encoder.headDim, 1.0f};
            captureAttention(*captured, h, {q.data(), k.data(), v.data(), in.qStride, in.kStride, in.vStride}, S, heads,
                             context, kT5ScaleRule,
                             "x + attention(RMSNorm(x)): pre-norm, added to the residual stream");
            captured->positionBias = Eigen::Map<const RowMatrix>(bias.data(), c.encoder.nHeads,
                                                                 static_cast<Eigen::Index>(S) * S);  // (He, S S)
        }
        linear(context, layer.self.o, o);  // (S, dModel)
        if (captured != nullptr) captureOutput(*captured, o, layer.self.o);
        x += o;
        feedForward(x, layer.ffnNorm, layer.ffn);
    }
    rmsNorm(x, m_encoderFinalNorm, eps, hidden);
    return {};
}

std::unique_ptr<DecoderCache> T5Model::startDecoder(const RowMatrix& encoderOut, int capacity,
                                                    const LayerMask& selfMask) const {
    std::vector<std::pair<const Linear*, const Linear*>> crossKV;
    for (const DecoderLayer& layer : m_decoder) crossKV.emplace_back(&layer.cross.k, &layer.cross.v);
    return startDecoderCache(encoderOut, crossKV, capacity, config().decoder.nHeads * config().decoder.headDim,
                             selfMask);
}

Status T5Model::decode(std::span<const std::int32_t> ids, DecoderCache& cache, float* selfProbs, float* selfScores,
                       float* crossProbs, RowMatrix& hidden) const {
    const Seq2SeqConfig& c = config();
    const int n = static_cast<int>(ids.size());
    const int first = cache.length;
    const int keys = first + n;
    const int S = cache.sourceLen;
    const int H = c.decoder.nHeads;
    const float eps = static_cast<float>(c.normEps);
    cache.reserve(n);
    RowMatrix x = embedTokens(m_embedding, ids, c.dModel);  // (n, dModel)
    std::vector<float> bias;                                // (Hd, n, keys)
    t5PositionBias(m_decoderBias, c.relativeBuckets, c.relativeMaxDistance, H, false, first, n, keys, bias);
    const std::size_t selfPerLayer = static_cast<std::size_t>(H) * n * keys;
    const std::size_t crossPerLayer = static_cast<std::size_t>(H) * n * S;
    RowMatrix h, q, k, v, context, o;
    for (int l = 0; l < c.decoder.nLayers; ++l) {
        const DecoderLayer& layer = m_decoder[static_cast<std::size_t>(l)];
        // self-attention over every position so far
        rmsNorm(x, layer.selfNorm, eps, h);  // (n, dModel)
        linear(h, layer.self.q, q);          // (n, Hd headDim)
        linear(h, layer.self.k, k);
        linear(h, layer.self.v, v);
        const DecoderStep step{l, H, c.decoder.headDim, 1.0f};  // T5 does not scale the scores
        if (Status st = attendCachedSelf(step, cache, q, k, v, bias.data(), selfProbs + l * selfPerLayer,
                                         selfScores ? selfScores + l * selfPerLayer : nullptr, context);
            !st) {
            return st;
        }
        const HeadLayout heads{H, H, c.decoder.headDim, 1.0f};
        const DecoderLayerCache& lc = cache.layers[static_cast<std::size_t>(l)];
        LayerCapture* captured = cache.selfCapture(l);
        if (captured != nullptr) {
            captureAttention(*captured, h, {q.data(), lc.selfK.data(), lc.selfV.data(), static_cast<int>(q.cols()),
                                            static_cast<int>(lc.selfK.cols()), static_cast<int>(lc.selfV.cols())},
                             n, keys, heads, context, kT5ScaleRule, "x + attention(RMSNorm(x)): pre-norm, added to the residual stream");
            captured->positionBias = Eigen::Map<const RowMatrix>(bias.data(), H, static_cast<Eigen::Index>(n) * keys);  // (Hd, n keys)
        }
        linear(context, layer.self.o, o);
        if (captured != nullptr) captureOutput(*captured, o, layer.self.o);
        x += o;
        // cross-attention over the source: no position bias, no scaling
        rmsNorm(x, layer.crossNorm, eps, h);
        linear(h, layer.cross.q, q);
        if (Status st = attendCachedCross(step, cache, q, crossProbs + l * crossPerLayer, context); !st) return st;
        captured = cache.crossCapture(l);
        if (captured != nullptr) {
            captureAttention(*captured, h, {q.data(), lc.crossK.data(), lc.crossV.data(), static_cast<int>(q.cols()),
                                            static_cast<int>(lc.crossK.cols()), static_cast<int>(lc.crossV.cols())},
                             n, S, heads, context, "none: T5 does not scale q\u00b7k, and its cross-attention adds no position bias",
                             "x + cross_attention(RMSNorm(x), encoder output): pre-norm, added to the residual stream");
        }
        linear(context, layer.cross.o, o);
        if (captured != nullptr) captureOutput(*captured, o, layer.cross.o);
        x += o;
        feedForward(x, layer.ffnNorm, layer.ffn);
    }
    cache.length = keys;
    rmsNorm(x, m_decoderFinalNorm, eps, hidden);
    return {};
}

const Linear& T5Model::decoderSelfOutput(int layer) const { return m_decoder[static_cast<std::size_t>(layer)].self.o; }

void T5Model::logits(const RowMatrix& hidden, RowMatrix& out) const {
    if (m_headScale == 1.0f) {
        linear(hidden, m_lmHead, out);
        return;
    }
    const RowMatrix scaled = hidden * m_headScale;  // (rows, dModel)
    linear(scaled, m_lmHead, out);
}

}  // namespace attnviz::core
