#include "config_reader.h"

namespace attnviz::core {

using nlohmann::json;

void readRopeScaling(const json& j, ConfigReader& r, ModelConfig& c) {
    auto it = j.find("rope_scaling");
    if (it == j.end() || it->is_null()) return;
    if (!it->is_object()) {
        r.fail("\"rope_scaling\" must be an object or null");
        return;
    }
    const json& rs = *it;
    std::string type;
    for (const char* key : {"type", "rope_type"}) {  // rope_type (newer) wins
        auto t = rs.find(key);
        if (t == rs.end() || t->is_null()) continue;
        if (!t->is_string()) {
            r.fail(std::string("field \"rope_scaling.") + key + "\" must be a string");
            return;
        }
        type = t->get<std::string>();
    }
    // A factor present must be a finite number > 0, named in the message.
    auto number = [&](const char* key, double fallback) {
        auto v = rs.find(key);
        if (v == rs.end() || v->is_null()) return fallback;
        const std::string field = std::string("rope_scaling.") + key;
        if (!v->is_number()) {
            r.fail("field \"" + field + "\" must be a number");
            return fallback;
        }
        return r.requirePositive(field, v->get<double>());
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
        r.unsupported("rope_scaling type " + quotedForMessage(type) + " is not supported (linear, llama3)");
        return;
    }
    c.ropeScaling.factor = number("factor", 1.0);
}

}  // namespace attnviz::core
