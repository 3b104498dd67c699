#include "config_reader.h"

#include <algorithm>

namespace attnviz::core {

using nlohmann::json;

namespace {

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

}  // namespace

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

namespace {

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
    // Mistral's window applies to every layer.
    if (c.slidingWindow && *c.slidingWindow > 0) {
        c.layerKinds.assign(static_cast<std::size_t>(std::max(c.nLayers, 0)), LayerKind::causalWindow(*c.slidingWindow));
    }
}

}  // namespace

void readBertConfig(const json&, ConfigReader& r, ModelConfig& c) { readBertFamily(r, c); }
void readGpt2Config(const json&, ConfigReader& r, ModelConfig& c) { readGpt2(r, c); }
void readLlamaConfig(const json& j, ConfigReader& r, ModelConfig& c) { readLlamaFamily(j, r, c); }

}  // namespace attnviz::core
