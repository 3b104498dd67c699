#include "support/reference_forward.h"

#include "attnviz/core/weight_store.h"

#include <cmath>
#include <limits>

namespace attnviz::test {
namespace {

using core::ErrorCode;
using core::makeError;
using Weights = std::vector<double>;

// A row-major matrix of doubles: row t is token t.
struct Matrix {
    Matrix() = default;
    Matrix(int r, int c) : rows(r), cols(c), v(static_cast<std::size_t>(r) * c, 0.0) {}
    double& at(int r, int c) { return v[static_cast<std::size_t>(r) * cols + c]; }
    double at(int r, int c) const { return v[static_cast<std::size_t>(r) * cols + c]; }
    int rows = 0;
    int cols = 0;
    std::vector<double> v;
};

// nn.Linear: W is (out, in); y = x W^T + b.
Matrix linear(const Matrix& x, const Weights& w, const Weights* b, int out) {
    Matrix y(x.rows, out);  // (seqLen, out)
    for (int t = 0; t < x.rows; ++t)
        for (int o = 0; o < out; ++o) {
            double sum = b != nullptr ? (*b)[o] : 0.0;
            for (int i = 0; i < x.cols; ++i) sum += x.at(t, i) * w[static_cast<std::size_t>(o) * x.cols + i];
            y.at(t, o) = sum;
        }
    return y;
}

// GPT-2's Conv1D: W is (in, out); y = x W + b.
Matrix conv1d(const Matrix& x, const Weights& w, const Weights& b, int out) {
    Matrix y(x.rows, out);  // (seqLen, out)
    for (int t = 0; t < x.rows; ++t)
        for (int o = 0; o < out; ++o) {
            double sum = b[o];
            for (int i = 0; i < x.cols; ++i) sum += x.at(t, i) * w[static_cast<std::size_t>(i) * out + o];
            y.at(t, o) = sum;
        }
    return y;
}

// torch.nn.LayerNorm: biased variance, eps inside the root.
void layerNorm(Matrix& x, const Weights& gain, const Weights& bias, double eps) {
    for (int t = 0; t < x.rows; ++t) {
        double mean = 0;
        for (int i = 0; i < x.cols; ++i) mean += x.at(t, i);
        mean /= x.cols;
        double var = 0;
        for (int i = 0; i < x.cols; ++i) var += (x.at(t, i) - mean) * (x.at(t, i) - mean);
        var /= x.cols;
        for (int i = 0; i < x.cols; ++i) x.at(t, i) = (x.at(t, i) - mean) / std::sqrt(var + eps) * gain[i] + bias[i];
    }
}

// LlamaRMSNorm: x / sqrt(mean(x^2) + eps) * gain.
Matrix rmsNorm(const Matrix& x, const Weights& gain, double eps) {
    Matrix y(x.rows, x.cols);  // (seqLen, dModel)
    for (int t = 0; t < x.rows; ++t) {
        double meanSquare = 0;
        for (int i = 0; i < x.cols; ++i) meanSquare += x.at(t, i) * x.at(t, i);
        meanSquare /= x.cols;
        for (int i = 0; i < x.cols; ++i) y.at(t, i) = x.at(t, i) / std::sqrt(meanSquare + eps) * gain[i];
    }
    return y;
}

// Hugging Face's ACT2FN by name.
double activate(double a, const std::string& name) {
    if (name == "gelu") return 0.5 * a * (1.0 + std::erf(a / std::sqrt(2.0)));
    if (name == "gelu_new" || name == "gelu_pytorch_tanh") {
        return 0.5 * a * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (a + 0.044715 * a * a * a)));
    }
    if (name == "relu") return a > 0 ? a : 0.0;
    if (name == "silu" || name == "swish") return a / (1.0 + std::exp(-a));
    return std::numeric_limits<double>::quiet_NaN();  // refused at load
}

void activate(Matrix& x, const std::string& name) {
    for (double& a : x.v) a = activate(a, name);
}

void addInto(Matrix& x, const Matrix& y) {
    for (std::size_t i = 0; i < x.v.size(); ++i) x.v[i] += y.v[i];
}

// Written out here rather than taken from core's LayerMask, so that a wrong
// mask in core is not the reference's mask too. `window` is a sliding window
// of the model (Mistral: the last W keys); an override keeps it and changes
// the direction (bidirectional: |i - j| < W), window:N replaces it.
bool visible(core::MaskMode mask, std::optional<int> window, int query, int key) {
    const int distance = query > key ? query - key : key - query;
    const bool near = !window || distance < *window;
    switch (mask.kind) {
    case core::MaskMode::Kind::Bidirectional: return near;
    case core::MaskMode::Kind::Causal: return key <= query && near;
    case core::MaskMode::Kind::Window: return key <= query && query - key < mask.window;
    case core::MaskMode::Kind::Default: break;
    }
    return false;
}

// Eager attention of one layer. q is (seqLen, nHeads headDim), k and v are
// (seqLen, nKvHeads headDim); query head h reads key/value head
// h / (nHeads / nKvHeads) (repeat_kv). Writes the probabilities of the layer
// into `run` and returns the context, (seqLen, nHeads headDim).
Matrix attention(const Matrix& q, const Matrix& k, const Matrix& v, int nHeads, int nKvHeads, int headDim,
                 double scale, int layer, ReferenceRun& run) {
    const int T = q.rows;
    const int group = nHeads / nKvHeads;
    Matrix context(T, nHeads * headDim);  // (seqLen, nHeads headDim)
    std::vector<double> scores(T);        // (seqLen) of one query
    for (int h = 0; h < nHeads; ++h) {
        const int g = h / group;
        for (int i = 0; i < T; ++i) {
            double maxScore = -std::numeric_limits<double>::infinity();
            for (int j = 0; j < T; ++j) {
                double dot = 0;
                for (int e = 0; e < headDim; ++e) dot += q.at(i, h * headDim + e) * k.at(j, g * headDim + e);
                scores[j] = dot * scale;
                if (run.visible(i, j)) maxScore = std::max(maxScore, scores[j]);
            }
            double sum = 0;
            for (int j = 0; j < T; ++j) {
                scores[j] = run.visible(i, j) ? std::exp(scores[j] - maxScore) : 0.0;
                sum += scores[j];
            }
            for (int j = 0; j < T; ++j) {
                const double p = scores[j] / sum;
                run.probs[((static_cast<std::size_t>(layer) * nHeads + h) * T + i) * T + j] = p;
                for (int e = 0; e < headDim; ++e) context.at(i, h * headDim + e) += p * v.at(j, g * headDim + e);
            }
        }
    }
    return context;
}

// The rotary inverse frequencies with rope_scaling applied, as
// transformers' ROPE_INIT_FUNCTIONS compute them (in double here).
std::vector<double> ropeInverseFrequencies(const ReferenceConfig& c) {
    const int half = c.headDim / 2;
    std::vector<double> inv(half);
    for (int i = 0; i < half; ++i) inv[i] = 1.0 / std::pow(c.ropeTheta, 2.0 * i / c.headDim);
    if (c.ropeType == "linear") {
        for (double& f : inv) f /= c.ropeFactor;
    } else if (c.ropeType == "llama3") {
        const double lowFreqWavelen = c.ropeOriginalMaxPositions / c.ropeLowFreqFactor;
        const double highFreqWavelen = c.ropeOriginalMaxPositions / c.ropeHighFreqFactor;
        for (double& f : inv) {
            const double wavelen = 2.0 * M_PI / f;
            if (wavelen > lowFreqWavelen) {
                f /= c.ropeFactor;  // low frequencies: scaled
            } else if (wavelen >= highFreqWavelen) {
                // medium: interpolated between scaled and unscaled
                const double smooth = (c.ropeOriginalMaxPositions / wavelen - c.ropeLowFreqFactor) /
                                      (c.ropeHighFreqFactor - c.ropeLowFreqFactor);
                f = (1.0 - smooth) * f / c.ropeFactor + smooth * f;
            }  // high frequencies: unchanged
        }
    }
    return inv;
}

// apply_rotary_pos_emb: x * cos + rotate_half(x) * sin per head, where
// cos/sin repeat the half-size frequencies twice (cat(freqs, freqs)) and
// rotate_half(x) = cat(-x[half:], x[:half]).
void applyRotary(Matrix& x, int nHeads, int headDim, const std::vector<double>& inv) {
    const int half = headDim / 2;
    for (int t = 0; t < x.rows; ++t)
        for (int h = 0; h < nHeads; ++h) {
            std::vector<double> rotated(headDim);
            for (int e = 0; e < headDim; ++e) {
                const double angle = t * inv[e % half];
                const double partner = e < half ? -x.at(t, h * headDim + e + half) : x.at(t, h * headDim + e - half);
                rotated[e] = x.at(t, h * headDim + e) * std::cos(angle) + partner * std::sin(angle);
            }
            for (int e = 0; e < headDim; ++e) x.at(t, h * headDim + e) = rotated[e];
        }
}

// One expected tensor: name, shape, and whether the checkpoint may lack it.
struct Expected {
    std::string name;
    std::vector<std::int64_t> shape;
    bool optional = false;
};

// The per-layer tensors of the two BERT-family layouts: the name stem in
// BERT/RoBERTa and in DistilBERT, and the shape of its ".weight" (".bias" is
// the first dimension).
enum class BertShape { Square, Up, Down, Norm };  // (dModel, dModel), (dFF, dModel), (dModel, dFF), (dModel)
struct BertStem {
    const char* bert;
    const char* distil;
    BertShape shape;
};
constexpr BertStem kBertQuery{"attention.self.query.", "attention.q_lin.", BertShape::Square};
constexpr BertStem kBertKey{"attention.self.key.", "attention.k_lin.", BertShape::Square};
constexpr BertStem kBertValue{"attention.self.value.", "attention.v_lin.", BertShape::Square};
constexpr BertStem kBertOut{"attention.output.dense.", "attention.out_lin.", BertShape::Square};
constexpr BertStem kBertAttnNorm{"attention.output.LayerNorm.", "sa_layer_norm.", BertShape::Norm};
constexpr BertStem kBertUp{"intermediate.dense.", "ffn.lin1.", BertShape::Up};
constexpr BertStem kBertDown{"output.dense.", "ffn.lin2.", BertShape::Down};
constexpr BertStem kBertFfnNorm{"output.LayerNorm.", "output_layer_norm.", BertShape::Norm};

// "<prefix>encoder.layer.<l>.<stem>" or "<prefix>transformer.layer.<l>.<stem>".
std::string bertLayerName(const ReferenceConfig& c, const std::string& prefix, int layer, const BertStem& stem) {
    const bool distil = c.modelType == "distilbert";
    return prefix + (distil ? "transformer.layer." : "encoder.layer.") + std::to_string(layer) + "." +
           (distil ? stem.distil : stem.bert);
}

std::vector<Expected> bertTensors(const ReferenceConfig& c, const std::string& p) {
    const std::int64_t d = c.dModel, f = c.dFF, V = c.vocabSize;
    std::vector<Expected> t = {
        {p + "embeddings.word_embeddings.weight", {V, d}},
        {p + "embeddings.position_embeddings.weight", {c.maxPositions, d}},
        {p + "embeddings.LayerNorm.weight", {d}},
        {p + "embeddings.LayerNorm.bias", {d}},
    };
    if (c.typeVocabSize > 0) t.push_back({p + "embeddings.token_type_embeddings.weight", {c.typeVocabSize, d}});
    const BertStem stems[] = {kBertQuery, kBertKey, kBertValue, kBertOut, kBertAttnNorm, kBertUp, kBertDown, kBertFfnNorm};
    for (int l = 0; l < c.nLayers; ++l)
        for (const BertStem& stem : stems) {
            const std::string n = bertLayerName(c, p, l, stem);
            switch (stem.shape) {
            case BertShape::Square: t.push_back({n + "weight", {d, d}}); t.push_back({n + "bias", {d}}); break;
            case BertShape::Up: t.push_back({n + "weight", {f, d}}); t.push_back({n + "bias", {f}}); break;
            case BertShape::Down: t.push_back({n + "weight", {d, f}}); t.push_back({n + "bias", {d}}); break;
            case BertShape::Norm: t.push_back({n + "weight", {d}}); t.push_back({n + "bias", {d}}); break;
            }
        }
    const bool distil = c.modelType == "distilbert";
    // The masked-LM head: optional (a bare encoder has none).
    if (distil) {
        t.push_back({"vocab_transform.weight", {d, d}, true});
        t.push_back({"vocab_transform.bias", {d}, true});
        t.push_back({"vocab_layer_norm.weight", {d}, true});
        t.push_back({"vocab_layer_norm.bias", {d}, true});
        t.push_back({"vocab_projector.bias", {V}, true});
        t.push_back({"vocab_projector.weight", {V, d}, true});
    } else if (c.modelType == "bert") {
        t.push_back({"cls.predictions.transform.dense.weight", {d, d}, true});
        t.push_back({"cls.predictions.transform.dense.bias", {d}, true});
        t.push_back({"cls.predictions.transform.LayerNorm.weight", {d}, true});
        t.push_back({"cls.predictions.transform.LayerNorm.bias", {d}, true});
        t.push_back({"cls.predictions.bias", {V}, true});
        t.push_back({"cls.predictions.decoder.weight", {V, d}, true});
    } else {
        t.push_back({"lm_head.dense.weight", {d, d}, true});
        t.push_back({"lm_head.dense.bias", {d}, true});
        t.push_back({"lm_head.layer_norm.weight", {d}, true});
        t.push_back({"lm_head.layer_norm.bias", {d}, true});
        t.push_back({"lm_head.bias", {V}, true});
        t.push_back({"lm_head.decoder.weight", {V, d}, true});
    }
    return t;
}

std::vector<Expected> gpt2Tensors(const ReferenceConfig& c, const std::string& p) {
    const std::int64_t d = c.dModel, f = c.dFF;
    std::vector<Expected> t = {
        {p + "wte.weight", {c.vocabSize, d}},
        {p + "wpe.weight", {c.maxPositions, d}},
        {p + "ln_f.weight", {d}},
        {p + "ln_f.bias", {d}},
        {"lm_head.weight", {c.vocabSize, d}, true},
    };
    for (int l = 0; l < c.nLayers; ++l) {
        const std::string b = p + "h." + std::to_string(l) + ".";
        // Conv1D weights are stored (in, out).
        t.push_back({b + "ln_1.weight", {d}});
        t.push_back({b + "ln_1.bias", {d}});
        t.push_back({b + "attn.c_attn.weight", {d, 3 * d}});
        t.push_back({b + "attn.c_attn.bias", {3 * d}});
        t.push_back({b + "attn.c_proj.weight", {d, d}});
        t.push_back({b + "attn.c_proj.bias", {d}});
        t.push_back({b + "ln_2.weight", {d}});
        t.push_back({b + "ln_2.bias", {d}});
        t.push_back({b + "mlp.c_fc.weight", {d, f}});
        t.push_back({b + "mlp.c_fc.bias", {f}});
        t.push_back({b + "mlp.c_proj.weight", {f, d}});
        t.push_back({b + "mlp.c_proj.bias", {d}});
    }
    return t;
}

std::vector<Expected> llamaTensors(const ReferenceConfig& c, const std::string& p) {
    const std::int64_t d = c.dModel, f = c.dFF;
    const std::int64_t q = static_cast<std::int64_t>(c.nHeads) * c.headDim;
    const std::int64_t kv = static_cast<std::int64_t>(c.nKvHeads) * c.headDim;
    std::vector<Expected> t = {
        {p + "embed_tokens.weight", {c.vocabSize, d}},
        {p + "norm.weight", {d}},
        {"lm_head.weight", {c.vocabSize, d}, c.tieWordEmbeddings},
    };
    for (int l = 0; l < c.nLayers; ++l) {
        const std::string b = p + "layers." + std::to_string(l) + ".";
        t.push_back({b + "input_layernorm.weight", {d}});
        t.push_back({b + "self_attn.q_proj.weight", {q, d}});
        t.push_back({b + "self_attn.k_proj.weight", {kv, d}});
        t.push_back({b + "self_attn.v_proj.weight", {kv, d}});
        t.push_back({b + "self_attn.o_proj.weight", {d, q}});
        if (c.qkvBias) {
            t.push_back({b + "self_attn.q_proj.bias", {q}});
            t.push_back({b + "self_attn.k_proj.bias", {kv}});
            t.push_back({b + "self_attn.v_proj.bias", {kv}});
        }
        if (c.outputBias) t.push_back({b + "self_attn.o_proj.bias", {d}});
        t.push_back({b + "post_attention_layernorm.weight", {d}});
        t.push_back({b + "mlp.gate_proj.weight", {f, d}});
        t.push_back({b + "mlp.up_proj.weight", {f, d}});
        t.push_back({b + "mlp.down_proj.weight", {d, f}});
    }
    return t;
}

}  // namespace

core::Result<ReferenceModel> ReferenceModel::load(const std::filesystem::path& dir) {
    auto config = readReferenceConfig(dir / "config.json");
    if (!config) return config.takeError();
    const ReferenceConfig& c = *config;
    if (c.family == ReferenceFamily::Llama ? c.activation != "silu" : std::isnan(activate(1.0, c.activation))) {
        return makeError(ErrorCode::Unsupported,
                         dir.string() + ": activation \"" + c.activation + "\" is not in the reference");
    }
    auto store = core::WeightStore::open(dir);
    if (!store) return store.takeError();

    // The body's name prefix depends on the head class the checkpoint was saved from.
    std::string embedding, prefix;
    switch (c.family) {
    case ReferenceFamily::Bert:
        embedding = "embeddings.word_embeddings.weight";
        prefix = c.modelType == "distilbert" ? "distilbert." : c.modelType == "bert" ? "bert." : "roberta.";
        break;
    case ReferenceFamily::Gpt2: embedding = "wte.weight"; prefix = "transformer."; break;
    case ReferenceFamily::Llama: embedding = "embed_tokens.weight"; prefix = "model."; break;
    }
    if (!store->contains(prefix + embedding)) prefix.clear();
    if (!store->contains(prefix + embedding)) {
        return makeError(ErrorCode::CorruptFile, dir.string() + ": no " + embedding + " with or without a prefix");
    }

    ReferenceModel m;
    m.m_config = c;
    m.m_prefix = prefix;
    const std::vector<Expected> expected = c.family == ReferenceFamily::Bert   ? bertTensors(c, prefix)
                                           : c.family == ReferenceFamily::Gpt2 ? gpt2Tensors(c, prefix)
                                                                               : llamaTensors(c, prefix);
    for (const Expected& e : expected) {
        if (!store->contains(e.name)) {
            if (e.optional) continue;
            return makeError(ErrorCode::CorruptFile, dir.string() + ": tensor " + e.name + " is missing");
        }
        const core::TensorInfo* info = store->info(e.name);
        if (info->shape != e.shape) {
            return makeError(ErrorCode::CorruptFile, dir.string() + ": tensor " + e.name + " has another shape");
        }
        std::uint64_t count = 1;
        for (std::int64_t s : e.shape) count *= static_cast<std::uint64_t>(s);
        // floats() wants the shape as an initializer list; the check above already did it.
        core::Result<const float*> data = makeError(ErrorCode::Internal, "rank");
        if (e.shape.size() == 1) data = store->floats(e.name, {e.shape[0]});
        else if (e.shape.size() == 2) data = store->floats(e.name, {e.shape[0], e.shape[1]});
        if (!data) return data.takeError();
        m.m_tensors[e.name] = Tensor{e.shape, Weights(*data, *data + count)};
    }
    return m;
}

bool ReferenceRun::visible(int query, int key) const { return attnviz::test::visible(mask, window, query, key); }

core::MaskMode ReferenceModel::defaultMask() const {
    if (m_config.family == ReferenceFamily::Bert) return core::MaskMode::bidirectional();
    return core::MaskMode::causal();
}

core::Result<ReferenceRun> ReferenceModel::run(std::span<const std::int32_t> ids, std::span<const std::int32_t> types,
                                               core::MaskMode mask) const {
    const ReferenceConfig& c = m_config;
    const int T = static_cast<int>(ids.size());
    if (T == 0) return makeError(ErrorCode::InvalidInput, "no tokens");
    for (std::int32_t id : ids)
        if (id < 0 || id >= c.vocabSize) return makeError(ErrorCode::InvalidInput, "token id outside the vocabulary");
    if (c.maxLength() && T > *c.maxLength()) {
        return makeError(ErrorCode::InvalidInput, "input longer than the position table");
    }
    if (!types.empty() && types.size() != ids.size()) return makeError(ErrorCode::InvalidInput, "one token type per id");
    for (std::int32_t type : types) {
        if (type < 0 || type >= std::max(c.typeVocabSize, 1)) {
            return makeError(ErrorCode::InvalidInput, "token type outside the table");
        }
    }

    ReferenceRun out;
    out.nLayers = c.nLayers;
    out.nHeads = c.nHeads;
    out.seqLen = T;
    out.mask = mask.kind == core::MaskMode::Kind::Default ? defaultMask() : mask;
    out.window = c.slidingWindow;
    out.probs.assign(static_cast<std::size_t>(c.nLayers) * c.nHeads * T * T, 0.0);
    switch (c.family) {
    case ReferenceFamily::Bert: bertForward(ids, types, out); break;
    case ReferenceFamily::Gpt2: gpt2Forward(ids, out); break;
    case ReferenceFamily::Llama: llamaForward(ids, out); break;
    }
    return out;
}

// BertModel / RobertaModel / DistilBertModel: embeddings + LayerNorm, then
// post-LN blocks: x = LN(x + attn(x)); x = LN(x + FFN(x)).
void ReferenceModel::bertForward(std::span<const std::int32_t> ids, std::span<const std::int32_t> types,
                                 ReferenceRun& out) const {
    const ReferenceConfig& c = m_config;
    const int T = static_cast<int>(ids.size());
    const int d = c.dModel;
    const std::string& p = m_prefix;
    const bool distil = c.modelType == "distilbert";

    // 1. Embeddings: word + position (+ token type). RoBERTa numbers positions
    //    from pad + 1 and gives pad tokens the pad position
    //    (create_position_ids_from_input_ids).
    Matrix x(T, d);  // (seqLen, dModel)
    int nonPad = 0;
    for (int t = 0; t < T; ++t) {
        int pos = t;
        if (c.robertaPositions) pos = ids[t] == c.padTokenId ? c.padTokenId : c.padTokenId + ++nonPad;
        const int type = types.empty() ? 0 : types[t];
        for (int i = 0; i < d; ++i) {
            x.at(t, i) = w(p + "embeddings.word_embeddings.weight")[static_cast<std::size_t>(ids[t]) * d + i] +
                         w(p + "embeddings.position_embeddings.weight")[static_cast<std::size_t>(pos) * d + i];
            if (c.typeVocabSize > 0) {
                x.at(t, i) += w(p + "embeddings.token_type_embeddings.weight")[static_cast<std::size_t>(type) * d + i];
            }
        }
    }
    layerNorm(x, w(p + "embeddings.LayerNorm.weight"), w(p + "embeddings.LayerNorm.bias"), c.normEps);

    for (int l = 0; l < c.nLayers; ++l) {
        auto name = [&](const BertStem& stem) { return bertLayerName(c, p, l, stem); };
        // 2. Self-attention: q, k, v, softmax(q k^T / sqrt(headDim)) v.
        const std::string qn = name(kBertQuery), kn = name(kBertKey), vn = name(kBertValue);
        const Matrix q = linear(x, w(qn + "weight"), &w(qn + "bias"), d);  // (seqLen, dModel)
        const Matrix k = linear(x, w(kn + "weight"), &w(kn + "bias"), d);  // (seqLen, dModel)
        const Matrix v = linear(x, w(vn + "weight"), &w(vn + "bias"), d);  // (seqLen, dModel)
        const Matrix context = attention(q, k, v, c.nHeads, c.nHeads, c.headDim, 1.0 / std::sqrt(c.headDim), l, out);
        // 3. Output projection, residual, LayerNorm.
        const std::string on = name(kBertOut), an = name(kBertAttnNorm);
        addInto(x, linear(context, w(on + "weight"), &w(on + "bias"), d));
        layerNorm(x, w(an + "weight"), w(an + "bias"), c.normEps);
        // 4. Feed-forward, residual, LayerNorm.
        const std::string un = name(kBertUp), dn = name(kBertDown), fn = name(kBertFfnNorm);
        Matrix hidden = linear(x, w(un + "weight"), &w(un + "bias"), c.dFF);  // (seqLen, dFF)
        activate(hidden, c.activation);
        addInto(x, linear(hidden, w(dn + "weight"), &w(dn + "bias"), d));
        layerNorm(x, w(fn + "weight"), w(fn + "bias"), c.normEps);
    }

    // 5. Masked-LM head: dense, activation, LayerNorm, decoder (tied to the
    //    word embeddings unless untied and stored) + bias. RoBERTa's head uses
    //    erf GELU whatever hidden_act says.
    const bool bert = c.modelType == "bert";
    const std::string dense = distil ? "vocab_transform."
                              : bert ? "cls.predictions.transform.dense."
                                     : "lm_head.dense.";
    const std::string norm = distil ? "vocab_layer_norm."
                             : bert ? "cls.predictions.transform.LayerNorm."
                                    : "lm_head.layer_norm.";
    const std::string bias = distil ? "vocab_projector.bias" : bert ? "cls.predictions.bias" : "lm_head.bias";
    const std::string decoder = distil ? "vocab_projector.weight"
                                : bert ? "cls.predictions.decoder.weight"
                                       : "lm_head.decoder.weight";
    if (!has(dense + "weight")) return;
    Matrix t = linear(x, w(dense + "weight"), &w(dense + "bias"), d);  // (seqLen, dModel)
    activate(t, c.robertaPositions ? std::string("gelu") : c.activation);
    layerNorm(t, w(norm + "weight"), w(norm + "bias"), c.normEps);
    const Weights& decoderWeight =
        !c.tieWordEmbeddings && has(decoder) ? w(decoder) : w(p + "embeddings.word_embeddings.weight");
    out.logits = linear(t, decoderWeight, &w(bias), c.vocabSize).v;
    out.vocabSize = c.vocabSize;
}

// GPT2Model: learned positions, pre-LN blocks with a fused c_attn (Conv1D,
// weight (in, out)): x += attn(LN1(x)); x += MLP(LN2(x)); then ln_f.
void ReferenceModel::gpt2Forward(std::span<const std::int32_t> ids, ReferenceRun& out) const {
    const ReferenceConfig& c = m_config;
    const int T = static_cast<int>(ids.size());
    const int d = c.dModel;
    const std::string& p = m_prefix;

    // 1. Token + position embeddings.
    Matrix x(T, d);  // (seqLen, dModel)
    for (int t = 0; t < T; ++t)
        for (int i = 0; i < d; ++i) {
            x.at(t, i) = w(p + "wte.weight")[static_cast<std::size_t>(ids[t]) * d + i] +
                         w(p + "wpe.weight")[static_cast<std::size_t>(t) * d + i];
        }

    for (int l = 0; l < c.nLayers; ++l) {
        const std::string b = p + "h." + std::to_string(l) + ".";
        // 2. ln_1, c_attn split into q | k | v, attention, c_proj, residual.
        Matrix h = x;  // (seqLen, dModel)
        layerNorm(h, w(b + "ln_1.weight"), w(b + "ln_1.bias"), c.normEps);
        const Matrix qkv = conv1d(h, w(b + "attn.c_attn.weight"), w(b + "attn.c_attn.bias"), 3 * d);  // (seqLen, 3 dModel)
        Matrix q(T, d), k(T, d), v(T, d);  // (seqLen, dModel) each
        for (int t = 0; t < T; ++t)
            for (int i = 0; i < d; ++i) {
                q.at(t, i) = qkv.at(t, i);
                k.at(t, i) = qkv.at(t, d + i);
                v.at(t, i) = qkv.at(t, 2 * d + i);
            }
        double scale = c.scaleAttnWeights ? 1.0 / std::sqrt(c.headDim) : 1.0;
        if (c.scaleAttnByInverseLayerIdx) scale /= l + 1;
        const Matrix context = attention(q, k, v, c.nHeads, c.nHeads, c.headDim, scale, l, out);
        addInto(x, conv1d(context, w(b + "attn.c_proj.weight"), w(b + "attn.c_proj.bias"), d));
        // 3. ln_2, c_fc, activation, c_proj, residual.
        h = x;
        layerNorm(h, w(b + "ln_2.weight"), w(b + "ln_2.bias"), c.normEps);
        Matrix hidden = conv1d(h, w(b + "mlp.c_fc.weight"), w(b + "mlp.c_fc.bias"), c.dFF);  // (seqLen, dFF)
        activate(hidden, c.activation);
        addInto(x, conv1d(hidden, w(b + "mlp.c_proj.weight"), w(b + "mlp.c_proj.bias"), d));
    }
    // 4. ln_f and the LM head (tied to wte unless untied and stored).
    layerNorm(x, w(p + "ln_f.weight"), w(p + "ln_f.bias"), c.normEps);
    const Weights& head = !c.tieWordEmbeddings && has("lm_head.weight") ? w("lm_head.weight") : w(p + "wte.weight");
    out.logits = linear(x, head, nullptr, c.vocabSize).v;
    out.vocabSize = c.vocabSize;
}

// LlamaModel / MistralModel / Qwen2Model: RMSNorm pre-norm blocks, RoPE on q
// and k, grouped-query attention, SwiGLU MLP; then the final norm.
void ReferenceModel::llamaForward(std::span<const std::int32_t> ids, ReferenceRun& out) const {
    const ReferenceConfig& c = m_config;
    const int T = static_cast<int>(ids.size());
    const int d = c.dModel;
    const int qDim = c.nHeads * c.headDim;
    const int kvDim = c.nKvHeads * c.headDim;
    const std::string& p = m_prefix;
    const std::vector<double> inv = ropeInverseFrequencies(c);  // (headDim / 2)

    // 1. Token embeddings only: positions enter through RoPE.
    Matrix x(T, d);  // (seqLen, dModel)
    for (int t = 0; t < T; ++t)
        for (int i = 0; i < d; ++i) x.at(t, i) = w(p + "embed_tokens.weight")[static_cast<std::size_t>(ids[t]) * d + i];

    for (int l = 0; l < c.nLayers; ++l) {
        const std::string b = p + "layers." + std::to_string(l) + ".self_attn.";
        const std::string m = p + "layers." + std::to_string(l) + ".";
        // 2. input_layernorm, projections, RoPE, attention, o_proj, residual.
        const Matrix h = rmsNorm(x, w(m + "input_layernorm.weight"), c.normEps);  // (seqLen, dModel)
        auto bias = [&](const std::string& n, bool present) { return present ? &w(n) : nullptr; };
        Matrix q = linear(h, w(b + "q_proj.weight"), bias(b + "q_proj.bias", c.qkvBias), qDim);   // (seqLen, nHeads headDim)
        Matrix k = linear(h, w(b + "k_proj.weight"), bias(b + "k_proj.bias", c.qkvBias), kvDim);  // (seqLen, nKvHeads headDim)
        const Matrix v = linear(h, w(b + "v_proj.weight"), bias(b + "v_proj.bias", c.qkvBias), kvDim);  // (seqLen, nKvHeads headDim)
        applyRotary(q, c.nHeads, c.headDim, inv);
        applyRotary(k, c.nKvHeads, c.headDim, inv);
        const Matrix context = attention(q, k, v, c.nHeads, c.nKvHeads, c.headDim, 1.0 / std::sqrt(c.headDim), l, out);
        addInto(x, linear(context, w(b + "o_proj.weight"), bias(b + "o_proj.bias", c.outputBias), d));
        // 3. post_attention_layernorm, down(silu(gate(h)) * up(h)), residual.
        const Matrix h2 = rmsNorm(x, w(m + "post_attention_layernorm.weight"), c.normEps);  // (seqLen, dModel)
        Matrix gate = linear(h2, w(m + "mlp.gate_proj.weight"), nullptr, c.dFF);           // (seqLen, dFF)
        const Matrix up = linear(h2, w(m + "mlp.up_proj.weight"), nullptr, c.dFF);         // (seqLen, dFF)
        activate(gate, "silu");
        for (std::size_t i = 0; i < gate.v.size(); ++i) gate.v[i] *= up.v[i];
        addInto(x, linear(gate, w(m + "mlp.down_proj.weight"), nullptr, d));
    }
    // 4. Final norm and the LM head (tied to embed_tokens when the config says so).
    const Matrix h = rmsNorm(x, w(p + "norm.weight"), c.normEps);  // (seqLen, dModel)
    const Weights& head = c.tieWordEmbeddings ? w(p + "embed_tokens.weight") : w("lm_head.weight");
    out.logits = linear(h, head, nullptr, c.vocabSize).v;
    out.vocabSize = c.vocabSize;
}

}  // namespace attnviz::test
