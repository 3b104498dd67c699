#include "attnviz/core/model_config.h"

#include "json_file.h"
#include "message_text.h"
#include "models/architectures.h"
#include "models/config_reader.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>
#include <optional>

namespace attnviz::core {

using nlohmann::json;

bool ModelConfig::isEncoder() const { return architectureInfo(architecture).bidirectional; }

LayerKind ModelConfig::layerKind(int layer) const {
    if (layer < 0 || layer >= static_cast<int>(layerKinds.size())) return LayerKind::global();
    return layerKinds[static_cast<std::size_t>(layer)];
}

std::vector<LayerKind> ModelConfig::allLayerKinds() const {
    std::vector<LayerKind> kinds;
    for (int l = 0; l < nLayers; ++l) kinds.push_back(layerKind(l));
    return kinds;
}

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

namespace {
Result<ModelConfig> configFromParsed(const json& j, const std::string& source);
}  // namespace

Result<ModelConfig> ModelConfig::fromJson(std::string_view text, const std::string& source) {
    auto j = parseJsonText(text, source);
    if (!j) return j.takeError();
    return oneLineError(configFromParsed(*j, source));
}

Result<ModelConfig> ModelConfig::fromFile(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        return makeError(ErrorCode::Io, "no config.json in '" + path.parent_path().string() + "'");
    }
    auto j = readJsonFile(path);
    if (!j) return j.takeError();
    return oneLineError(configFromParsed(*j, "'" + path.string() + "'"));
}

namespace {

Result<ModelConfig> configFromParsed(const json& j, const std::string& source) {
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
        for (const auto& s : ModelConfig::supportedTypes()) list += (list.empty() ? "" : ", ") + s;
        return makeError(ErrorCode::Unsupported,
                         "unsupported architecture " + quotedForMessage(t) + " in " + source + "; supported: " + list);
    }
    c.architecture = info->architecture;

    ConfigReader r(j, source, t);
    c.vocabSize = r.requiredSize("vocab_size");
    c.bosTokenId = r.optionalInt("bos_token_id", -1);
    c.eosTokenId = r.optionalInt("eos_token_id", -1);
    info->readConfig(j, r, c);
    if (r.error()) return *r.error();

    auto bad = [&](const std::string& what) {
        return makeError(ErrorCode::CorruptFile, source + " (model_type " + quotedForMessage(t) + "): " + what);
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

}  // namespace

}  // namespace attnviz::core
