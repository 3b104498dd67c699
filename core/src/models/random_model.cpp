#include "attnviz/core/random_model.h"

#include "architecture_tensors.h"
#include "architectures.h"
#include "random_weights.h"

#include "../seq2seq/seq2seq_random.h"

#include "attnviz/core/model_config.h"
#include "attnviz/core/safetensors_writer.h"

#include <fstream>
#include <functional>
#include <map>
#include <random>

namespace attnviz::core {
namespace {

// Every architecture's presets (ArchitectureInfo::presets), by name.
const std::map<std::string, std::string>& presets() {
    static const std::map<std::string, std::string> p = [] {
        std::map<std::string, std::string> all;
        for (const ArchitectureInfo& a : architectures()) {
            for (const auto& [name, json] : a.presets) all.emplace(name, json);
        }
        for (const auto& [name, json] : seq2seqPresets()) all.emplace(name, json);
        return all;
    }();
    return p;
}

}  // namespace

std::vector<std::string> randomModelPresets() {
    std::vector<std::string> names;
    for (const auto& [name, json] : presets()) {
        if (!Seq2SeqConfig::isSeq2SeqType(jsonModelType(json))) names.push_back(name);
    }
    return names;
}

std::vector<std::string> randomSeq2SeqPresets() {
    std::vector<std::string> names;
    for (const auto& [name, json] : seq2seqPresets()) names.push_back(name);
    return names;
}

Result<std::string> randomModelConfig(const std::string& preset) {
    auto it = presets().find(preset);
    if (it == presets().end()) {
        std::string list;
        for (const auto& [n, json] : presets()) list += (list.empty() ? "" : ", ") + n;
        return makeError(ErrorCode::InvalidInput, "unknown preset '" + preset + "'; available: " + list);
    }
    return it->second;
}

// Every tensor of the architecture's list that random models carry, in its
// order and with the head model's prefix ("bert.", "model.", ...), handed
// with its seeded values to `sink`.
Status randomWeights(const ModelConfig& config, const RandomModelOptions& options, const WeightSink& sink) {
    const WeightNameTable& table = weightNameTable(config.architecture);
    const std::vector<TensorSpec> specs = architectureTensors(config);
    std::vector<SafetensorsWriter::Entry> entries;
    std::vector<TensorInit> inits;
    for (const TensorSlot& slot : expandTensors(specs, config.nLayers)) {
        const TensorSpec& spec = *slot.spec;
        if (spec.init == TensorInit::None || spec.need == TensorNeed::Ignored) continue;
        const std::string name = tensorName(table, table.bodyPrefixes.front(), spec.role, slot.layer);
        entries.push_back({name, options.dtype, spec.shape});
        inits.push_back(spec.init);
    }
    std::mt19937_64 rng(options.seed);
    return sink(entries, [&](std::size_t i, std::vector<float>& out) {
        std::normal_distribution<float> normal(0.0f, 1.0f);
        const TensorInit init = inits[i];
        for (float& v : out) {
            const float z = normal(rng);
            switch (init) {
            case TensorInit::Weight:
            case TensorInit::Bias: v = options.weightStd * z; break;
            case TensorInit::QkWeight: v = options.qkScale * options.weightStd * z; break;
            case TensorInit::Gain: v = 1.0f + options.normGainStd * z; break;
            case TensorInit::None: v = 0.0f; break;
            }
        }
    });
}

namespace {

// The weights of a decoder-only or encoder-decoder config, into `sink`.
Status randomWeightsOf(const std::string& configJson, const RandomModelOptions& options, const WeightSink& sink) {
    if (Seq2SeqConfig::isSeq2SeqType(jsonModelType(configJson))) {
        auto seq2seq = Seq2SeqConfig::fromJson(configJson, "the model config");
        if (!seq2seq) return seq2seq.takeError();
        return randomSeq2SeqWeights(*seq2seq, options, sink);
    }
    auto config = ModelConfig::fromJson(configJson, "the model config");
    if (!config) return config.takeError();
    return randomWeights(*config, options, sink);
}

}  // namespace

Status writeRandomModel(const std::string& configJson, const std::filesystem::path& dir,
                        const RandomModelOptions& options) {
    if (Status s = randomWeightsOf(configJson, options, [](const auto&, const auto&) { return Status{}; }); !s) {
        return s;
    }
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return makeError(ErrorCode::Io, "cannot create '" + dir.string() + "': " + ec.message());
    {
        std::ofstream out(dir / "config.json");
        out << configJson << "\n";
        if (!out) return makeError(ErrorCode::Io, "cannot write '" + (dir / "config.json").string() + "'");
    }
    return randomWeightsOf(configJson, options, [&](const auto& entries, const auto& fill) {
        return SafetensorsWriter::write(dir / "model.safetensors", entries, fill);
    });
}

Status writeRandomWeights(const std::string& configJson, std::FILE* out, const std::string& name,
                          const RandomModelOptions& options) {
    return randomWeightsOf(configJson, options, [&](const auto& entries, const auto& fill) {
        return SafetensorsWriter::write(out, name, entries, fill);
    });
}

}  // namespace attnviz::core
