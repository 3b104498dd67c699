#include "support/reference_config.h"

#include <nlohmann/json.hpp>

#include <fstream>

namespace attnviz::test {
namespace {

using nlohmann::json;

// Field access with Hugging Face's defaults; the first problem is kept and
// named with the file and field.
class Fields {
public:
    Fields(const json& j, std::string source) : m_json(j), m_source(std::move(source)) {}

    bool present(const char* key) const { return m_json.contains(key) && !m_json.at(key).is_null(); }

    int integer(const char* key, std::optional<int> fallback = std::nullopt) {
        if (!present(key)) {
            if (!fallback) fail(std::string("missing \"") + key + "\"");
            return fallback.value_or(0);
        }
        if (!m_json.at(key).is_number_integer()) fail(std::string("\"") + key + "\" is not an integer");
        return m_json.at(key).is_number_integer() ? m_json.at(key).get<int>() : 0;
    }

    double number(const char* key, double fallback) {
        if (!present(key)) return fallback;
        if (!m_json.at(key).is_number()) fail(std::string("\"") + key + "\" is not a number");
        return m_json.at(key).is_number() ? m_json.at(key).get<double>() : fallback;
    }

    bool boolean(const char* key, bool fallback) {
        if (!present(key)) return fallback;
        if (!m_json.at(key).is_boolean()) fail(std::string("\"") + key + "\" is not true or false");
        return m_json.at(key).is_boolean() ? m_json.at(key).get<bool>() : fallback;
    }

    std::string text(const char* key, const std::string& fallback) {
        if (!present(key)) return fallback;
        if (!m_json.at(key).is_string()) fail(std::string("\"") + key + "\" is not a string");
        return m_json.at(key).is_string() ? m_json.at(key).get<std::string>() : fallback;
    }

    void fail(const std::string& what) {
        if (m_error.empty()) m_error = m_source + ": " + what;
    }
    const std::string& error() const { return m_error; }

private:
    const json& m_json;
    std::string m_source;
    std::string m_error;
};

void readBert(Fields& f, ReferenceConfig& c) {
    if (c.modelType == "distilbert") {
        // DistilBertConfig: its own field names, LayerNorm eps fixed at 1e-12, no token types.
        c.dModel = f.integer("dim");
        c.nLayers = f.integer("n_layers");
        c.nHeads = f.integer("n_heads");
        c.dFF = f.integer("hidden_dim");
        c.activation = f.text("activation", "gelu");
        c.normEps = 1e-12;
        c.typeVocabSize = 0;
        c.padTokenId = f.integer("pad_token_id", 0);
    } else {
        c.dModel = f.integer("hidden_size");
        c.nLayers = f.integer("num_hidden_layers");
        c.nHeads = f.integer("num_attention_heads");
        c.dFF = f.integer("intermediate_size");
        c.activation = f.text("hidden_act", "gelu");
        c.normEps = f.number("layer_norm_eps", 1e-12);
        c.typeVocabSize = f.integer("type_vocab_size", 2);
        c.robertaPositions = c.modelType != "bert";
        c.padTokenId = f.integer("pad_token_id", c.robertaPositions ? 1 : 0);
    }
    c.maxPositions = f.integer("max_position_embeddings", 512);
    c.nKvHeads = c.nHeads;
    c.headDim = c.nHeads > 0 ? c.dModel / c.nHeads : 0;
    c.tieWordEmbeddings = f.boolean("tie_word_embeddings", true);
}

void readGpt2(Fields& f, ReferenceConfig& c) {
    c.dModel = f.integer("n_embd");
    c.nLayers = f.integer("n_layer");
    c.nHeads = f.integer("n_head");
    c.nKvHeads = c.nHeads;
    c.headDim = c.nHeads > 0 ? c.dModel / c.nHeads : 0;
    c.dFF = f.integer("n_inner", 4 * c.dModel);  // null: 4 x n_embd
    c.maxPositions = f.integer("n_positions", 1024);
    c.normEps = f.number("layer_norm_epsilon", 1e-5);
    c.activation = f.text("activation_function", "gelu_new");
    c.tieWordEmbeddings = f.boolean("tie_word_embeddings", true);
    c.scaleAttnWeights = f.boolean("scale_attn_weights", true);
    c.scaleAttnByInverseLayerIdx = f.boolean("scale_attn_by_inverse_layer_idx", false);
}

void readRopeScaling(const json& j, Fields& f, ReferenceConfig& c) {
    if (!j.contains("rope_scaling") || j.at("rope_scaling").is_null()) return;
    const json& rs = j.at("rope_scaling");
    Fields r(rs, "rope_scaling");
    // Transformers accepts both the old "type" and the new "rope_type" key.
    c.ropeType = r.text("rope_type", r.text("type", "default"));
    c.ropeFactor = r.number("factor", 1.0);
    c.ropeLowFreqFactor = r.number("low_freq_factor", 1.0);
    c.ropeHighFreqFactor = r.number("high_freq_factor", 4.0);
    c.ropeOriginalMaxPositions = r.number("original_max_position_embeddings", 8192);
    if (c.ropeType != "default" && c.ropeType != "linear" && c.ropeType != "llama3") {
        f.fail("rope_scaling type \"" + c.ropeType + "\" is not in the reference");
    }
    if (!r.error().empty()) f.fail(r.error());
}

void readLlama(const json& j, Fields& f, ReferenceConfig& c) {
    c.dModel = f.integer("hidden_size");
    c.nLayers = f.integer("num_hidden_layers");
    c.nHeads = f.integer("num_attention_heads");
    c.nKvHeads = f.integer("num_key_value_heads", c.nHeads);
    c.headDim = f.integer("head_dim", c.nHeads > 0 ? c.dModel / c.nHeads : 0);
    c.dFF = f.integer("intermediate_size");
    c.maxPositions = f.integer("max_position_embeddings", 2048);
    c.normEps = f.number("rms_norm_eps", 1e-6);
    c.activation = f.text("hidden_act", "silu");
    c.ropeTheta = f.number("rope_theta", 10000.0);
    c.tieWordEmbeddings = f.boolean("tie_word_embeddings", false);
    readRopeScaling(j, f, c);
    if (c.modelType == "llama") {
        c.qkvBias = c.outputBias = f.boolean("attention_bias", false);
        if (f.boolean("mlp_bias", false)) f.fail("mlp_bias is not in the reference");
    } else if (c.modelType == "mistral") {
        // MistralConfig's default is 4096; an explicit null turns the window off.
        if (!j.contains("sliding_window")) c.slidingWindow = 4096;
        else if (!j.at("sliding_window").is_null()) c.slidingWindow = f.integer("sliding_window");
    } else {  // qwen2: q, k and v carry biases, o_proj none
        c.qkvBias = true;
        if (f.boolean("use_sliding_window", false)) f.fail("qwen2's use_sliding_window is not in the reference");
    }
}

}  // namespace

std::optional<int> ReferenceConfig::maxLength() const {
    if (family == ReferenceFamily::Llama) return std::nullopt;
    // RoBERTa's first position is pad + 1.
    return robertaPositions ? maxPositions - padTokenId - 1 : maxPositions;
}

core::Result<ReferenceConfig> readReferenceConfig(const std::filesystem::path& configJson) {
    const std::string source = configJson.string();
    std::ifstream in(configJson);
    if (!in) return core::makeError(core::ErrorCode::Io, "cannot open " + source);
    json j;
    try {
        j = json::parse(in);
    } catch (const json::exception& e) {
        return core::makeError(core::ErrorCode::CorruptFile, source + ": " + e.what());
    }
    if (!j.is_object()) return core::makeError(core::ErrorCode::CorruptFile, source + " is not a JSON object");
    Fields f(j, source);
    ReferenceConfig c;
    c.modelType = f.text("model_type", "");
    const std::string& t = c.modelType;
    if (t == "bert" || t == "roberta" || t == "xlm-roberta" || t == "distilbert") c.family = ReferenceFamily::Bert;
    else if (t == "gpt2") c.family = ReferenceFamily::Gpt2;
    else if (t == "llama" || t == "mistral" || t == "qwen2") c.family = ReferenceFamily::Llama;
    else return core::makeError(core::ErrorCode::Unsupported, source + ": model_type \"" + t + "\" is not in the reference");
    c.vocabSize = f.integer("vocab_size");
    switch (c.family) {
    case ReferenceFamily::Bert: readBert(f, c); break;
    case ReferenceFamily::Gpt2: readGpt2(f, c); break;
    case ReferenceFamily::Llama: readLlama(j, f, c); break;
    }
    if (!f.error().empty()) return core::makeError(core::ErrorCode::InvalidInput, f.error());
    if (c.nLayers <= 0 || c.nHeads <= 0 || c.nKvHeads <= 0 || c.headDim <= 0 || c.dModel <= 0 || c.dFF <= 0 ||
        c.vocabSize <= 0 || c.nHeads % c.nKvHeads != 0) {
        return core::makeError(core::ErrorCode::InvalidInput, source + ": sizes the reference cannot run");
    }
    return c;
}

}  // namespace attnviz::test
