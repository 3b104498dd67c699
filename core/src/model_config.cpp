#include "attnviz/core/model_config.h"

#include "json_file.h"
#include "models/architectures.h"

#include <nlohmann/json.hpp>

#include <limits>
#include <optional>

namespace attnviz::core {
namespace {

using nlohmann::json;

// Reads typed fields out of config.json with messages that name the field.
// The first failure is kept: a missing or mistyped field is a corrupt file, a
// well-formed setting attnviz does not implement is unsupported.
class ConfigReader {
public:
    ConfigReader(const json& j, std::string source, std::string modelType)
        : m_json(j), m_source(std::move(source)), m_type(std::move(modelType)) {}

    const std::optional<Error>& error() const { return m_error; }

    bool has(const char* key) const {
        auto it = m_json.find(key);
        return it != m_json.end() && !it->is_null();
    }

    int requiredInt(const char* key) {
        if (!has(key)) {
            fail(std::string("missing required field \"") + key + "\"");
            return 0;
        }
        return intAt(key);
    }

    int optionalInt(const char* key, int fallback) { return has(key) ? intAt(key) : fallback; }

    double optionalDouble(const char* key, double fallback) {
        if (!has(key)) return fallback;
        const json& v = m_json.at(key);
        if (!v.is_number()) {
            fail(std::string("field \"") + key + "\" must be a number");
            return fallback;
        }
        return v.get<double>();
    }

    bool optionalBool(const char* key, bool fallback) {
        if (!has(key)) return fallback;
        const json& v = m_json.at(key);
        if (!v.is_boolean()) {
            fail(std::string("field \"") + key + "\" must be true or false");
            return fallback;
        }
        return v.get<bool>();
    }

    std::string optionalString(const char* key, std::string fallback) {
        if (!has(key)) return fallback;
        const json& v = m_json.at(key);
        if (!v.is_string()) {
            fail(std::string("field \"") + key + "\" must be a string");
            return fallback;
        }
        return v.get<std::string>();
    }

    void fail(const std::string& what) { keep(ErrorCode::CorruptFile, what); }
    void unsupported(const std::string& what) { keep(ErrorCode::Unsupported, what); }

private:
    void keep(ErrorCode code, const std::string& what) {
        if (!m_error) m_error = makeError(code, m_source + " (model_type \"" + m_type + "\"): " + what);
    }

    int intAt(const char* key) {
        const json& v = m_json.at(key);
        if (!v.is_number_integer()) {
            fail(std::string("field \"") + key + "\" must be an integer");
            return 0;
        }
        const auto x = v.get<std::int64_t>();
        if (x < -1 || x > (1 << 30)) {
            fail(std::string("field \"") + key + "\" is out of range: " + std::to_string(x));
            return 0;
        }
        return static_cast<int>(x);
    }

    const json& m_json;
    std::string m_source;
    std::string m_type;
    std::optional<Error> m_error;
};

void readBertFamily(ConfigReader& r, ModelConfig& c) {
    if (c.architecture == Architecture::DistilBert) {
        c.dModel = r.requiredInt("dim");
        c.nLayers = r.requiredInt("n_layers");
        c.nHeads = r.requiredInt("n_heads");
        c.dFF = r.requiredInt("hidden_dim");
        c.activation = r.optionalString("activation", "gelu");
        c.normEps = 1e-12;  // fixed in DistilBERT's modules
        c.typeVocabSize = 0;
        c.padTokenId = r.optionalInt("pad_token_id", 0);
    } else {
        c.dModel = r.requiredInt("hidden_size");
        c.nLayers = r.requiredInt("num_hidden_layers");
        c.nHeads = r.requiredInt("num_attention_heads");
        c.dFF = r.requiredInt("intermediate_size");
        c.activation = r.optionalString("hidden_act", "gelu");
        c.normEps = r.optionalDouble("layer_norm_eps", 1e-12);
        c.typeVocabSize = r.optionalInt("type_vocab_size", 2);
        const bool roberta = c.architecture == Architecture::Roberta;
        c.padTokenId = r.optionalInt("pad_token_id", roberta ? 1 : 0);
        if (roberta) c.positionOffset = c.padTokenId + 1;
        const std::string pos = r.optionalString("position_embedding_type", "absolute");
        if (pos != "absolute") {
            r.unsupported("position_embedding_type \"" + pos + "\" is not supported (only \"absolute\")");
        }
    }
    c.maxPositions = r.requiredInt("max_position_embeddings");
    c.nKvHeads = c.nHeads;
    c.tieWordEmbeddings = r.optionalBool("tie_word_embeddings", true);
    if (c.activation != "gelu" && c.activation != "gelu_new" && c.activation != "relu") {
        r.unsupported("activation \"" + c.activation + "\" is not supported (gelu, gelu_new, relu)");
    }
}

void readGpt2(ConfigReader& r, ModelConfig& c) {
    c.dModel = r.requiredInt("n_embd");
    c.nLayers = r.requiredInt("n_layer");
    c.nHeads = r.requiredInt("n_head");
    c.nKvHeads = c.nHeads;
    c.dFF = r.optionalInt("n_inner", 4 * c.dModel);
    c.maxPositions = r.requiredInt("n_positions");
    c.normEps = r.optionalDouble("layer_norm_epsilon", 1e-5);
    c.activation = r.optionalString("activation_function", "gelu_new");
    c.tieWordEmbeddings = r.optionalBool("tie_word_embeddings", true);
    c.scaleAttnWeights = r.optionalBool("scale_attn_weights", true);
    c.scaleAttnByInverseLayerIdx = r.optionalBool("scale_attn_by_inverse_layer_idx", false);
    if (c.activation != "gelu_new" && c.activation != "gelu" && c.activation != "relu" &&
        c.activation != "gelu_pytorch_tanh") {
        r.unsupported("activation_function \"" + c.activation + "\" is not supported (gelu_new, gelu, relu)");
    }
}

void readRopeScaling(const json& j, ConfigReader& r, ModelConfig& c) {
    auto it = j.find("rope_scaling");
    if (it == j.end() || it->is_null()) return;
    if (!it->is_object()) {
        r.fail("\"rope_scaling\" must be an object or null");
        return;
    }
    const json& rs = *it;
    std::string type;
    if (rs.contains("rope_type") && rs["rope_type"].is_string()) type = rs["rope_type"].get<std::string>();
    else if (rs.contains("type") && rs["type"].is_string()) type = rs["type"].get<std::string>();
    auto number = [&](const char* key, double fallback) {
        return rs.contains(key) && rs[key].is_number() ? rs[key].get<double>() : fallback;
    };
    if (type == "default" || type.empty()) return;
    if (type == "linear") {
        c.ropeScaling.type = RopeScaling::Type::Linear;
    } else if (type == "llama3") {
        c.ropeScaling.type = RopeScaling::Type::Llama3;
        c.ropeScaling.lowFreqFactor = number("low_freq_factor", 1.0);
        c.ropeScaling.highFreqFactor = number("high_freq_factor", 4.0);
        c.ropeScaling.originalMaxPositions = number("original_max_position_embeddings", 8192);
        if (c.ropeScaling.highFreqFactor <= c.ropeScaling.lowFreqFactor) {
            r.fail("rope_scaling: high_freq_factor must exceed low_freq_factor");
        }
    } else {
        r.unsupported("rope_scaling type \"" + type + "\" is not supported (linear, llama3)");
        return;
    }
    c.ropeScaling.factor = number("factor", 1.0);
    if (!(c.ropeScaling.factor > 0)) r.fail("rope_scaling factor must be positive");
}

void readLlamaFamily(const json& j, ConfigReader& r, ModelConfig& c) {
    c.dModel = r.requiredInt("hidden_size");
    c.nLayers = r.requiredInt("num_hidden_layers");
    c.nHeads = r.requiredInt("num_attention_heads");
    c.nKvHeads = r.optionalInt("num_key_value_heads", c.nHeads);
    c.dFF = r.requiredInt("intermediate_size");
    c.maxPositions = r.optionalInt("max_position_embeddings", 2048);
    c.normEps = r.optionalDouble("rms_norm_eps", 1e-6);
    c.ropeTheta = r.optionalDouble("rope_theta", 10000.0);
    c.activation = r.optionalString("hidden_act", "silu");
    c.tieWordEmbeddings = r.optionalBool("tie_word_embeddings", false);
    if (r.has("head_dim")) c.headDim = r.requiredInt("head_dim");
    readRopeScaling(j, r, c);
    if (c.activation != "silu") r.unsupported("hidden_act \"" + c.activation + "\" is not supported (silu)");
    switch (c.architecture) {
    case Architecture::Llama:
        c.qkvBias = c.outputBias = r.optionalBool("attention_bias", false);
        c.mlpBias = r.optionalBool("mlp_bias", false);
        break;
    case Architecture::Mistral:
        if (r.has("sliding_window")) c.slidingWindow = r.requiredInt("sliding_window");
        break;
    case Architecture::Qwen2:
        c.qkvBias = true;
        if (r.optionalBool("use_sliding_window", false)) {
            r.unsupported(
                "use_sliding_window=true is not supported for qwen2 (its window depends on max_window_layers)");
        }
        break;
    default: break;
    }
    if (c.slidingWindow && *c.slidingWindow <= 0) r.fail("sliding_window must be positive");
}

}  // namespace

bool ModelConfig::isEncoder() const { return architectureInfo(architecture).bidirectional; }

int ModelConfig::maxSequenceLength() const {
    const bool learnedPositions = architectureInfo(architecture).positions == PositionScheme::Learned;
    return learnedPositions ? maxPositions - positionOffset : std::numeric_limits<int>::max();
}

std::vector<std::string> ModelConfig::supportedTypes() {
    std::vector<std::string> types;
    for (const ArchitectureInfo& a : architectures()) {
        types.insert(types.end(), a.modelTypes.begin(), a.modelTypes.end());
    }
    return types;
}

Result<ModelConfig> ModelConfig::fromJson(std::string_view text, const std::string& source) {
    json j;
    try {
        j = json::parse(text);
    } catch (const json::exception& e) {
        return makeError(ErrorCode::CorruptFile, source + " is not valid JSON: " + e.what());
    }
    if (!j.is_object()) return makeError(ErrorCode::CorruptFile, source + " is not a JSON object");
    auto mt = j.find("model_type");
    if (mt == j.end() || !mt->is_string()) {
        return makeError(ErrorCode::CorruptFile, source + ": missing required field \"model_type\"");
    }
    ModelConfig c;
    c.modelType = mt->get<std::string>();
    const std::string& t = c.modelType;
    const ArchitectureInfo* info = architectureForModelType(t);
    if (info == nullptr) {
        std::string list;
        for (const auto& s : supportedTypes()) list += (list.empty() ? "" : ", ") + s;
        return makeError(ErrorCode::Unsupported,
                         "unsupported architecture \"" + t + "\" in " + source + "; supported: " + list);
    }
    c.architecture = info->architecture;

    ConfigReader r(j, source, t);
    c.vocabSize = r.requiredInt("vocab_size");
    c.bosTokenId = r.optionalInt("bos_token_id", -1);
    c.eosTokenId = r.optionalInt("eos_token_id", -1);
    switch (c.architecture) {
    case Architecture::Bert:
    case Architecture::Roberta:
    case Architecture::DistilBert: readBertFamily(r, c); break;
    case Architecture::Gpt2: readGpt2(r, c); break;
    default: readLlamaFamily(j, r, c); break;
    }
    if (r.error()) return *r.error();

    auto bad = [&](const std::string& what) {
        return makeError(ErrorCode::CorruptFile, source + " (model_type \"" + t + "\"): " + what);
    };
    if (c.nLayers <= 0 || c.nHeads <= 0 || c.dModel <= 0 || c.dFF <= 0 || c.vocabSize <= 0 || c.maxPositions <= 0) {
        return bad("layers, heads, hidden size, FFN size, vocab size and positions must all be positive");
    }
    if (c.nLayers > 1024 || c.nHeads > 1024 || c.dModel > (1 << 16) || c.dFF > (1 << 18) || c.vocabSize > (1 << 22)) {
        return bad("sizes are implausibly large (layers " + std::to_string(c.nLayers) + ", heads " +
                   std::to_string(c.nHeads) + ", hidden " + std::to_string(c.dModel) + ")");
    }
    if (c.headDim == 0) {
        if (c.dModel % c.nHeads != 0) {
            return bad("hidden size " + std::to_string(c.dModel) + " is not divisible by " +
                       std::to_string(c.nHeads) + " heads");
        }
        c.headDim = c.dModel / c.nHeads;
    }
    if (c.headDim <= 0 || c.headDim > 4096) return bad("head_dim must be between 1 and 4096");
    if (c.nKvHeads <= 0 || c.nHeads % c.nKvHeads != 0) {
        return bad("num_attention_heads " + std::to_string(c.nHeads) + " is not a multiple of num_key_value_heads " +
                   std::to_string(c.nKvHeads));
    }
    if (info->positions == PositionScheme::Rotary && c.headDim % 2 != 0) {
        return bad("head_dim must be even for rotary embeddings");
    }
    if (c.isEncoder() && c.headDim * c.nHeads != c.dModel) {
        return bad("hidden size must equal heads x head size");
    }
    return c;
}

Result<ModelConfig> ModelConfig::fromFile(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        return makeError(ErrorCode::Io, "no config.json in '" + path.parent_path().string() + "'");
    }
    auto j = readJsonFile(path);
    if (!j) return j.takeError();
    return fromJson(j->dump(), "'" + path.string() + "'");
}

}  // namespace attnviz::core
