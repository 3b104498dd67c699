#include "bart_model.h"

#include "attnviz/core/attention_kernel.h"
#include "decoder_cache.h"
#include "layer_capture_steps.h"
#include "seq2seq_attention.h"

#include "../models/forward_steps.h"

#include <cmath>

namespace attnviz::core {

namespace {

// transformers' learned-position offset of BART (BartLearnedPositionalEmbedding).
constexpr int kBartPositionOffset = 2;

bool stopRequested(const std::atomic<bool>* cancel) { return cancel != nullptr && cancel->load(); }

constexpr const char* kPostLnRule = "norm(x + attention(x)): post-LN, x is the residual stream itself";

}  // namespace

std::vector<float> marianSinusoids(int rows, int width) {
    std::vector<float> table(static_cast<std::size_t>(rows) * width);
    const int sinColumns = (width + 1) / 2;  // transformers' "sentinel"
    for (int pos = 0; pos < rows; ++pos) {
        for (int c = 0; c < width; ++c) {
            const int i = c < sinColumns ? c : c - sinColumns;
            const double angle = pos / std::pow(10000.0, 2.0 * i / width);
            table[static_cast<std::size_t>(pos) * width + c] =
                static_cast<float>(c < sinColumns ? std::sin(angle) : std::cos(angle));
        }
    }
    return table;
}

Result<std::unique_ptr<Seq2SeqModel>> BartModel::create(Seq2SeqConfig config, std::unique_ptr<WeightStore> store) {
    std::unique_ptr<BartModel> model(new BartModel(std::move(config)));
    model->m_store = std::move(store);
    Seq2SeqWeights w(*model->m_store);
    if (Status s = model->bind(w); !s) return s.takeError();
    if (auto unused = w.unusedWarning(); !unused.empty()) model->addLoadWarning(unused);
    return std::unique_ptr<Seq2SeqModel>(std::move(model));
}

BartModel::Attention BartModel::bindAttention(Seq2SeqWeights& w, const std::string& base) const {
    const int d = config().dModel;
    return {w.linear(base + ".q_proj", d, d, true), w.linear(base + ".k_proj", d, d, true),
            w.linear(base + ".v_proj", d, d, true), w.linear(base + ".out_proj", d, d, true)};
}

BartModel::Norm BartModel::bindNorm(Seq2SeqWeights& w, const std::string& base) const {
    const std::int64_t d = config().dModel;
    return {w.required(base + ".weight", {d}), w.required(base + ".bias", {d})};
}

Status BartModel::bind(Seq2SeqWeights& w) {
    const Seq2SeqConfig& c = config();
    const std::int64_t d = c.dModel;
    const bool marian = c.architecture == Seq2SeqArchitecture::Marian;
    const float* shared = w.firstOf({"shared.weight", "encoder.embed_tokens.weight"}, {c.vocabSize, d});
    m_encoderEmbed.tokens = w.optional("encoder.embed_tokens.weight", {c.vocabSize, d});
    m_decoderEmbed.tokens = w.optional("decoder.embed_tokens.weight", {c.vocabSize, d});
    if (m_encoderEmbed.tokens == nullptr) m_encoderEmbed.tokens = shared;
    if (m_decoderEmbed.tokens == nullptr) m_decoderEmbed.tokens = shared;
    if (marian) {
        // Not stored by transformers (computed at load); a file that has
        // them anyway holds the same formula's values.
        w.optional("encoder.embed_positions.weight", {c.maxPositions, d});
        w.optional("decoder.embed_positions.weight", {c.maxPositions, d});
        m_sinusoids = marianSinusoids(c.maxPositions, c.dModel);
        m_encoderEmbed.positions = m_sinusoids.data();
        m_decoderEmbed.positions = m_sinusoids.data();
    } else {
        const std::int64_t rows = c.maxPositions + kBartPositionOffset;
        m_encoderEmbed.positions = w.required("encoder.embed_positions.weight", {rows, d});
        m_decoderEmbed.positions = w.required("decoder.embed_positions.weight", {rows, d});
        m_encoderEmbed.norm = bindNorm(w, "encoder.layernorm_embedding");
        m_decoderEmbed.norm = bindNorm(w, "decoder.layernorm_embedding");
    }
    auto bindLayer = [&](const std::string& base, int dFF, bool decoder) {
        Layer layer;
        layer.self = bindAttention(w, base + "self_attn");
        layer.selfNorm = bindNorm(w, base + "self_attn_layer_norm");
        if (decoder) {
            layer.cross = bindAttention(w, base + "encoder_attn");
            layer.crossNorm = bindNorm(w, base + "encoder_attn_layer_norm");
        }
        layer.fc1 = w.linear(base + "fc1", c.dModel, dFF, true);
        layer.fc2 = w.linear(base + "fc2", dFF, c.dModel, true);
        layer.finalNorm = bindNorm(w, base + "final_layer_norm");
        return layer;
    };
    for (int l = 0; l < c.encoder.nLayers; ++l) {
        m_encoder.push_back(bindLayer("encoder.layers." + std::to_string(l) + ".", c.encoder.dFF, false));
    }
    for (int l = 0; l < c.decoder.nLayers; ++l) {
        m_decoder.push_back(bindLayer("decoder.layers." + std::to_string(l) + ".", c.decoder.dFF, true));
    }
    m_lmHead.in = c.dModel;
    m_lmHead.out = c.vocabSize;
    const float* head = w.optional("lm_head.weight", {c.vocabSize, d});
    if (head == nullptr && !c.tieWordEmbeddings) {
        head = w.required("lm_head.weight", {c.vocabSize, d});
    }
    m_lmHead.weight = head != nullptr && !c.tieWordEmbeddings ? head : m_decoderEmbed.tokens;
    m_finalLogitsBias.assign(static_cast<std::size_t>(c.vocabSize), 0.0f);
    if (const float* bias = w.optional("final_logits_bias", {1, c.vocabSize})) {
        std::copy(bias, bias + c.vocabSize, m_finalLogitsBias.begin());
    }
    m_lmHead.bias = m_finalLogitsBias.data();
    return w.status();
}

RowMatrix BartModel::embed(const Embeddings& e, std::span<const std::int32_t> ids, int first) const {
    const Seq2SeqConfig& c = config();
    RowMatrix x = embedTokens(e.tokens, ids, c.dModel);  // (rows, dModel)
    if (c.scaleEmbedding) x *= static_cast<float>(std::sqrt(static_cast<double>(c.dModel)));
    const bool marian = c.architecture == Seq2SeqArchitecture::Marian;
    addPositionEmbeddings(x, e.positions, first + (marian ? 0 : kBartPositionOffset));
    if (e.norm.gain != nullptr) layerNorm(x, e.norm.gain, e.norm.bias, static_cast<float>(c.normEps));
    return x;
}

void BartModel::feedForward(RowMatrix& x, const Layer& layer) const {
    RowMatrix y;  // (rows, dModel)
    attnviz::core::feedForward(x, layer.fc1, activationFromName(config().activation), layer.fc2, y);
    x += y;
    layerNorm(x, layer.finalNorm.gain, layer.finalNorm.bias, static_cast<float>(config().normEps));
}

Status BartModel::encode(std::span<const std::int32_t> ids, const std::atomic<bool>* cancel, AttentionTrace& trace,
                         RowMatrix& hidden) const {
    const Seq2SeqConfig& c = config();
    const int S = static_cast<int>(ids.size());
    const float eps = static_cast<float>(c.normEps);
    const float scale = static_cast<float>(std::pow(static_cast<double>(c.encoder.headDim), -0.5));
    RowMatrix x = embed(m_encoderEmbed, ids, 0);  // (S, dModel)
    RowMatrix q, k, v, context, o;
    for (int l = 0; l < c.encoder.nLayers; ++l) {
        if (stopRequested(cancel)) return cancelledError();
        const Layer& layer = m_encoder[static_cast<std::size_t>(l)];
        linear(x, layer.self.q, q);  // (S, dModel)
        linear(x, layer.self.k, k);
        linear(x, layer.self.v, v);
        AttentionInputs in{q.data(), k.data(), v.data(), c.dModel, c.dModel, c.dModel, S, S, c.encoder.nHeads,
                           c.encoder.headDim, scale, 0, true, trace.layerMask(l), nullptr};
        if (!attendHeads(in, trace.probs(l, 0), trace.hasScores() ? trace.rawScores(l, 0) : nullptr, context)) {
            trace.markNonFiniteScores(l, 0);
        }
        if (trace.hasValueNorms()) {
            recordLayerValueNorms(v, S, layer.self.out, c.encoder.nHeads, c.encoder.headDim, l, trace);
        }
        LayerCapture* captured = trace.captureFor(l);
        if (captured != nullptr) {
            const HeadLayout heads{c.encoder.nHeads, c.encoder.nHeads, c.encoder.headDim, scale};
            captureAttention(*captured, x, {q.data(), k.data(), v.data(), c.dModel, c.dModel, c.dModel}, S, heads, context,
                             inverseSqrtRule(c.encoder.headDim),
                             kPostLnRule);
        }
        linear(context, layer.self.out, o);
        if (captured != nullptr) captureOutput(*captured, o, layer.self.out);
        x += o;
        layerNorm(x, layer.selfNorm.gain, layer.selfNorm.bias, eps);
        feedForward(x, layer);
    }
    hidden = std::move(x);
    return {};
}

std::unique_ptr<DecoderCache> BartModel::startDecoder(const RowMatrix& encoderOut, int capacity,
                                                      const LayerMask& selfMask) const {
    std::vector<std::pair<const Linear*, const Linear*>> crossKV;
    for (const Layer& layer : m_decoder) crossKV.emplace_back(&layer.cross.k, &layer.cross.v);
    return startDecoderCache(encoderOut, crossKV, capacity, config().dModel, selfMask);
}

Status BartModel::decode(std::span<const std::int32_t> ids, DecoderCache& cache, float* selfProbs, float* selfScores,
                         float* crossProbs, RowMatrix& hidden) const {
    const Seq2SeqConfig& c = config();
    const int n = static_cast<int>(ids.size());
    const int first = cache.length;
    const int keys = first + n;
    const int S = cache.sourceLen;
    const int H = c.decoder.nHeads;
    const float eps = static_cast<float>(c.normEps);
    const float scale = static_cast<float>(std::pow(static_cast<double>(c.decoder.headDim), -0.5));
    cache.reserve(n);
    RowMatrix x = embed(m_decoderEmbed, ids, first);  // (n, dModel)
    const std::size_t selfPerLayer = static_cast<std::size_t>(H) * n * keys;
    const std::size_t crossPerLayer = static_cast<std::size_t>(H) * n * S;
    RowMatrix q, k, v, context, o;
    for (int l = 0; l < c.decoder.nLayers; ++l) {
        const Layer& layer = m_decoder[static_cast<std::size_t>(l)];
        linear(x, layer.self.q, q);  // (n, dModel)
        linear(x, layer.self.k, k);
        linear(x, layer.self.v, v);
        const DecoderStep step{l, H, c.decoder.headDim, scale};
        if (Status st = attendCachedSelf(step, cache, q, k, v, nullptr, selfProbs + l * selfPerLayer,
                                         selfScores ? selfScores + l * selfPerLayer : nullptr, context);
            !st) {
            return st;
        }
        const HeadLayout heads{H, H, c.decoder.headDim, scale};
        const DecoderLayerCache& lc = cache.layers[static_cast<std::size_t>(l)];
        LayerCapture* captured = cache.selfCapture(l);
        if (captured != nullptr) {
            captureAttention(*captured, x, {q.data(), lc.selfK.data(), lc.selfV.data(), c.dModel, c.dModel, c.dModel}, n, keys,
                             heads, context, inverseSqrtRule(c.decoder.headDim), kPostLnRule);
        }
        linear(context, layer.self.out, o);
        if (captured != nullptr) captureOutput(*captured, o, layer.self.out);
        x += o;
        layerNorm(x, layer.selfNorm.gain, layer.selfNorm.bias, eps);
        linear(x, layer.cross.q, q);
        if (Status st = attendCachedCross(step, cache, q, crossProbs + l * crossPerLayer, context); !st) return st;
        captured = cache.crossCapture(l);
        if (captured != nullptr) {
            captureAttention(*captured, x, {q.data(), lc.crossK.data(), lc.crossV.data(), c.dModel, c.dModel, c.dModel}, n, S,
                             heads, context, inverseSqrtRule(c.decoder.headDim),
                             "norm(x + cross_attention(x, encoder output)): post-LN, x is the residual stream itself");
        }
        linear(context, layer.cross.out, o);
        if (captured != nullptr) captureOutput(*captured, o, layer.cross.out);
        x += o;
        layerNorm(x, layer.crossNorm.gain, layer.crossNorm.bias, eps);
        feedForward(x, layer);
    }
    cache.length = keys;
    hidden = std::move(x);
    return {};
}

const Linear& BartModel::decoderSelfOutput(int layer) const {
    return m_decoder[static_cast<std::size_t>(layer)].self.out;
}

void BartModel::logits(const RowMatrix& hidden, RowMatrix& out) const { linear(hidden, m_lmHead, out); }

}  // namespace attnviz::core
