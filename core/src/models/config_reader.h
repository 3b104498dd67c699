// Typed reads of config.json fields with messages that name the field, and
// the config readers of the families. Each architecture's descriptor names
// its reader (architectures.h); readers fill ModelConfig and report through
// the ConfigReader.
#pragma once

#include "attnviz/core/model_config.h"
#include "../message_text.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace attnviz::core {

// Reads typed fields out of config.json with messages that name the field.
// The first failure is kept: a missing or mistyped field is a corrupt file, a
// well-formed setting attnviz does not implement is unsupported.
class ConfigReader {
public:
    ConfigReader(const nlohmann::json& j, std::string source, std::string modelType)
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
        const nlohmann::json& v = m_json.at(key);
        if (!v.is_number()) {
            fail(std::string("field \"") + key + "\" must be a number");
            return fallback;
        }
        return v.get<double>();
    }

    // A size or count the forward pass uses (hidden_size, sliding_window, ...):
    // an integer >= 1 (intAt bounds it above).
    int requiredSize(const char* key) { return atLeastOne(key, requiredInt(key)); }
    int optionalSize(const char* key, int fallback) { return has(key) ? atLeastOne(key, intAt(key)) : fallback; }

    // A number the forward pass divides by, takes the root or the power of
    // (epsilons, rope_theta, soft-caps, scaling factors): finite and > 0.
    double positiveDouble(const char* key, double fallback) {
        if (!has(key)) return fallback;
        const nlohmann::json& v = m_json.at(key);
        if (!v.is_number()) {
            fail(std::string("field \"") + key + "\" must be a number");
            return fallback;
        }
        return requirePositive(key, v.get<double>());
    }

    // `value` (read from `field`, e.g. "rope_scaling.factor") must be finite
    // and > 0; returns it.
    double requirePositive(const std::string& field, double value) {
        if (!(std::isfinite(value) && value > 0)) {
            fail("field \"" + field + "\" is " + numberText(value) + "; it must be > 0");
        }
        return value;
    }

    // The shortest text that reads back as `v` ("1e-06", "0", "inf").
    static std::string numberText(double v) {
        if (std::isnan(v)) return "nan";
        if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
        char buf[40];
        if (v == std::trunc(v) && std::fabs(v) < 1e15) {
            std::snprintf(buf, sizeof buf, "%.0f", v);
            return buf;
        }
        for (int precision = 1; precision <= 17; ++precision) {
            std::snprintf(buf, sizeof buf, "%.*g", precision, v);
            if (std::strtod(buf, nullptr) == v) break;
        }
        return buf;
    }

    bool optionalBool(const char* key, bool fallback) {
        if (!has(key)) return fallback;
        const nlohmann::json& v = m_json.at(key);
        if (!v.is_boolean()) {
            fail(std::string("field \"") + key + "\" must be true or false");
            return fallback;
        }
        return v.get<bool>();
    }

    std::string optionalString(const char* key, std::string fallback) {
        if (!has(key)) return fallback;
        const nlohmann::json& v = m_json.at(key);
        if (!v.is_string()) {
            fail(std::string("field \"") + key + "\" must be a string");
            return fallback;
        }
        return v.get<std::string>();
    }

    // Unsupported unless `value` (read from `field`) is one of `accepted`. The
    // message lists `shown` (aliases left out), by default all of `accepted`.
    void requireOneOf(const char* field, const std::string& value, std::initializer_list<std::string_view> accepted,
                      const char* shown = nullptr) {
        std::string all;
        for (std::string_view a : accepted) {
            if (value == a) return;
            all += (all.empty() ? "" : ", ") + std::string(a);
        }
        unsupported(std::string(field) + " " + quotedForMessage(value) + " is not supported (" + (shown ? shown : all) + ")");
    }

    void fail(const std::string& what) { keep(ErrorCode::CorruptFile, what); }
    void unsupported(const std::string& what) { keep(ErrorCode::Unsupported, what); }

private:
    void keep(ErrorCode code, const std::string& what) {
        if (!m_error) m_error = makeError(code, m_source + " (model_type " + quotedForMessage(m_type) + "): " + what);
    }

    int atLeastOne(const char* key, int value) {
        if (value < 1 && !m_error) fail(std::string("field \"") + key + "\" is " + std::to_string(value) + "; it must be > 0");
        return value;
    }

    int intAt(const char* key) {
        const nlohmann::json& v = m_json.at(key);
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

    const nlohmann::json& m_json;
    std::string m_source;
    std::string m_type;
    std::optional<Error> m_error;
};

// hidden_size, num_hidden_layers, num_attention_heads (also nKvHeads: readers
// of grouped-query models read theirs after) and intermediate_size: the
// names most families use.
inline void readStandardSizes(ConfigReader& r, ModelConfig& c) {
    c.dModel = r.requiredSize("hidden_size");
    c.nLayers = r.requiredSize("num_hidden_layers");
    c.nHeads = r.requiredSize("num_attention_heads");
    c.nKvHeads = c.nHeads;
    c.dFF = r.requiredSize("intermediate_size");
}

// The fields of BERT-style encoders (BERT, RoBERTa, ALBERT, ELECTRA,
// Longformer; bert_architecture.cpp): the standard sizes,
// max_position_embeddings, hidden_act, layer_norm_eps, type_vocab_size,
// pad_token_id, tie_word_embeddings. The family checks the activation.
void readBertEncoderConfig(ConfigReader& r, ModelConfig& c, const char* defaultActivation, int defaultPadTokenId);
// Unsupported unless position_embedding_type is "absolute" (or missing).
void requireAbsolutePositions(ConfigReader& r);

// The fields Gemma and Gemma 2 share (gemma_architecture.cpp): the standard
// sizes, num_key_value_heads (default `defaultKvHeads`), head_dim,
// max_position_embeddings, rms_norm_eps, rope_theta, tie_word_embeddings,
// attention_bias.
void readGemmaFamilyConfig(ConfigReader& r, ModelConfig& c, int defaultKvHeads);

// "rope_scaling" of rotary models (rope_config.cpp).
void readRopeScaling(const nlohmann::json& j, ConfigReader& r, ModelConfig& c);

}  // namespace attnviz::core
