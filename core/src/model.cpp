#include "attnviz/core/model.h"

#include "models/architectures.h"

#include <cmath>

namespace attnviz::core {
namespace {

constexpr std::uint64_t kMaxTraceBytes = 4ull << 30;

std::string gib(std::uint64_t bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f GiB", static_cast<double>(bytes) / (1ull << 30));
    return buf;
}

}  // namespace

MaskMode Model::defaultMask() const {
    if (m_config.isEncoder()) return MaskMode::bidirectional();
    if (m_config.slidingWindow) return MaskMode::slidingWindow(*m_config.slidingWindow);
    return MaskMode::causal();
}

Result<AttentionTrace> Model::run(std::span<const std::int32_t> ids, const RunOptions& options) const {
    const ModelConfig& c = m_config;
    const auto T = static_cast<std::int64_t>(ids.size());
    if (T == 0) return makeError("there are no tokens to run");
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (ids[i] < 0 || ids[i] >= c.vocabSize) {
            return makeError("token id " + std::to_string(ids[i]) + " at position " + std::to_string(i) +
                             " is outside the vocabulary (0.." + std::to_string(c.vocabSize - 1) + ")");
        }
    }
    if (T > c.maxSequenceLength()) {
        return makeError("the input has " + std::to_string(T) + " tokens; this model takes at most " +
                         std::to_string(c.maxSequenceLength()));
    }
    const std::uint64_t traceBytes = static_cast<std::uint64_t>(c.nLayers) * c.nHeads * T * T * sizeof(float) *
                                     (options.captureScores ? 2 : 1);
    if (traceBytes > kMaxTraceBytes) {
        return makeError("the input has " + std::to_string(T) + " tokens; recording every head's attention would need " +
                         gib(traceBytes) + " (limit " + gib(kMaxTraceBytes) + "): shorten the text");
    }

    std::vector<std::int32_t> types;
    if (!options.tokenTypeIds.empty()) {
        if (options.tokenTypeIds.size() != ids.size()) {
            return makeError("got " + std::to_string(options.tokenTypeIds.size()) + " token types for " +
                             std::to_string(ids.size()) + " tokens");
        }
        const int limit = std::max(c.typeVocabSize, 1);
        for (std::size_t i = 0; i < ids.size(); ++i) {
            if (options.tokenTypeIds[i] < 0 || options.tokenTypeIds[i] >= limit) {
                return makeError("token type " + std::to_string(options.tokenTypeIds[i]) + " at position " +
                                 std::to_string(i) + " is outside 0.." + std::to_string(limit - 1) + " for this model");
            }
        }
        types = options.tokenTypeIds;
    } else {
        types.assign(ids.size(), 0);
    }

    const MaskMode mask = options.mask.kind == MaskMode::Kind::Default ? defaultMask() : options.mask;
    // forward() writes every probability, score and norm of the trace.
    AttentionTrace trace = AttentionTrace::forOverwrite(c.nLayers, c.nHeads, static_cast<int>(T), options.captureScores,
                                                        options.captureValueNorms);
    trace.setMask(mask);
    trace.setMaskIsModelDefault(mask == defaultMask());
    trace.tokenIds.assign(ids.begin(), ids.end());
    if (hasTokenTypes()) trace.tokenTypeIds = types;
    if (Status s = forward(ids, types, mask, options, trace); !s) return s.takeError();
    return trace;
}

Result<std::unique_ptr<Model>> loadModel(const std::filesystem::path& dir, const ProgressFn& progress) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        return makeError("'" + dir.string() + "' is not a folder (a model folder holds config.json and model.safetensors)");
    }
    auto config = ModelConfig::fromFile(dir / "config.json");
    if (!config) return config.takeError();
    auto store = WeightStore::open(dir);
    if (!store) return store.takeError();
    auto owned = std::make_unique<WeightStore>(std::move(store.value()));

    auto model = architectureInfo(config->architecture).create(config.value(), std::move(owned), progress);
    if (!model) return prefixError("'" + dir.string() + "': ", model.takeError());
    auto canonical = std::filesystem::weakly_canonical(dir, ec);
    std::string name = (ec ? dir : canonical).filename().string();
    (*model)->setName(name.empty() ? dir.string() : name);
    return model;
}

}  // namespace attnviz::core
