#include "tensor_binder.h"

#include "../shape_text.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace attnviz::core {
namespace {

// "'model.safetensors'", or the shard index for sharded folders.
std::string weightsFileText(const WeightStore& store) {
    const std::string file = store.source().filename().string();
    const bool single = file == "model.safetensors" || store.source().extension() == ".gguf";
    return single ? "'" + file + "'" : "the shards listed in '" + file + "'";
}

// The body prefix, detected from the token embedding: "bert." for
// BertForMaskedLM files, "" for bare BertModel files, and so on.
Result<std::string> detectPrefix(const WeightStore& store, const WeightNameTable& table,
                                 const std::vector<TensorSpec>& specs) {
    const std::string& probe = table.body.at(TensorRole::TokenEmbedding);
    for (const std::string& prefix : table.bodyPrefixes) {
        if (store.contains(prefix + probe)) return prefix;
    }
    std::string others;
    for (std::size_t i = 1; i < table.bodyPrefixes.size(); ++i) {
        others += (others.empty() ? "'" : ", '") + table.bodyPrefixes[i] + probe + "'";
    }
    std::vector<std::int64_t> shape;
    for (const TensorSpec& spec : specs) {
        if (spec.role == TensorRole::TokenEmbedding) shape = spec.shape;
    }
    return makeError(ErrorCode::CorruptFile, "tensor " + store.describe(table.bodyPrefixes.front() + probe) + " is missing from " +
                                                 weightsFileText(store) + " (expected shape " + shapeText(shape) +
                                                 "; also looked for " + others +
                                                 "); is this folder the architecture its config.json says?");
}

// Layers the weights hold beyond config.nLayers (layer tensors named for
// layer nLayers, nLayers + 1, ... up to the first layer with none): one line
// for them all, and their tensors taken out of `unused`. "" when none.
std::string extraLayersWarning(const WeightStore& store, const WeightNameTable& table, const std::string& prefix,
                               const std::vector<TensorSpec>& specs, const ModelConfig& config,
                               std::set<std::string>& unused) {
    std::vector<TensorRole> layerRoles;
    for (const TensorSlot& slot : expandTensors(specs, 1)) {
        if (slot.layer == 0) layerRoles.push_back(slot.spec->role);
    }
    int last = config.nLayers - 1;
    std::size_t tensors = 0;
    for (int layer = config.nLayers; layer < config.nLayers + (1 << 16); ++layer) {
        std::size_t found = 0;
        for (TensorRole role : layerRoles) {
            const std::string name = tensorName(table, prefix, role, layer);
            if (!name.empty() && unused.erase(name) > 0) ++found;
        }
        if (found == 0) break;
        last = layer;
        tensors += found;
    }
    if (last < config.nLayers) return {};
    const std::string layers = last == config.nLayers ? "layer " + std::to_string(last)
                                                       : "layers " + std::to_string(config.nLayers) + ".." +
                                                             std::to_string(last);
    const bool sharded = store.source().filename() != "model.safetensors";
    return weightsFileText(store) + (sharded ? " hold " : " holds ") + layers + " (" + std::to_string(tensors) +
           " tensors) beyond the " + std::to_string(config.nLayers) + (config.nLayers == 1 ? " layer" : " layers") +
           " config.json declares: ignored";
}

}  // namespace

const float* BoundTensors::get(TensorRole role, int layer) const {
    auto it = m_tensors.find({role, layer});
    return it == m_tensors.end() ? nullptr : it->second;
}

Linear BoundTensors::linear(TensorRole weight, TensorRole bias, int layer) const {
    Linear l;
    auto shape = m_shapes.find(weight);  // (out, in)
    if (shape == m_shapes.end() || shape->second.size() != 2) return l;
    l.out = static_cast<int>(shape->second[0]);
    l.in = static_cast<int>(shape->second[1]);
    l.weight = get(weight, layer);
    l.bias = get(bias, layer);
    l.inOutLayout = m_transposed.count({weight, layer}) > 0;
    return l;
}

Linear BoundTensors::linear(TensorRole weight, int layer) const {
    Linear l = linear(weight, weight, layer);
    l.bias = nullptr;
    return l;
}

Linear BoundTensors::conv1d(TensorRole weight, TensorRole bias, int layer) const {
    Linear l;
    auto shape = m_shapes.find(weight);  // (in, out)
    if (shape == m_shapes.end() || shape->second.size() != 2) return l;
    l.in = static_cast<int>(shape->second[0]);
    l.out = static_cast<int>(shape->second[1]);
    l.inOutLayout = true;
    l.weight = get(weight, layer);
    l.bias = get(bias, layer);
    return l;
}

Result<BoundTensors> bindTensors(WeightStore& store, const ModelConfig& config, const ProgressFn& progress,
                                 const std::vector<TensorRole>& transposable) {
    const WeightNameTable& table = weightNameTable(config.architecture);
    const std::vector<TensorSpec> specs = architectureTensors(config);
    auto prefix = detectPrefix(store, table, specs);
    if (!prefix) return prefix.takeError();
    const std::vector<TensorSlot> slots = expandTensors(specs, config.nLayers);

    BoundTensors bound;
    for (const TensorSpec& spec : specs) {
        if (spec.need != TensorNeed::Ignored) bound.m_shapes[spec.role] = spec.shape;
    }
    bound.m_store = &store;
    if (store.hasLazyLayers()) {
        // Each converted matrix belongs to its layer; the token embedding and
        // the LM head are leased as layer nLayers. Planned before any
        // floats() so every pointer handed out stays valid.
        for (const TensorSlot& slot : slots) {
            const TensorRole role = slot.spec->role;
            const bool modelWide = role == TensorRole::TokenEmbedding || role == TensorRole::LmHeadWeight;
            if (slot.spec->need == TensorNeed::Ignored || (slot.layer < 0 && !modelWide)) continue;
            const bool transpose =
                slot.layer >= 0 && std::find(transposable.begin(), transposable.end(), role) != transposable.end();
            if (store.planLazy(tensorName(table, *prefix, role, slot.layer), slot.layer >= 0 ? slot.layer : config.nLayers,
                               slot.spec->shape, transpose)) {
                bound.m_transposed.insert({role, slot.layer});
            }
        }
        if (Status s = store.reserveLazy(); !s) return s.takeError();
    }
    std::set<std::string> used;  // bound or known to be ignored
    for (std::size_t i = 0; i < slots.size(); ++i) {
        const TensorSpec& spec = *slots[i].spec;
        const int layer = slots[i].layer;
        const std::string name = tensorName(table, *prefix, spec.role, layer);
        if (name.empty()) {
            return makeError(ErrorCode::Internal, "internal: the " + config.modelType +
                                                      " tensor list has a tensor its name table lacks");
        }
        const bool groupAbsent =
            spec.onlyWith && !store.contains(tensorName(table, *prefix, *spec.onlyWith, layer));
        if (spec.need == TensorNeed::Ignored) {
            used.insert(name);
        } else if (!groupAbsent) {
            if (store.contains(name)) {
                auto data = store.floats(name, spec.shape);
                if (!data) return makeError(ErrorCode::CorruptFile, data.error());
                // Vectors (norm gains, biases) are cheap to check whole; a
                // NaN or Inf there reaches every token.
                if (spec.shape.size() == 1) {
                    const std::int64_t n = spec.shape[0];
                    const float* v = data.value();
                    for (std::int64_t k = 0; k < n; ++k) {
                        if (!std::isfinite(v[k])) {
                            return makeError(ErrorCode::CorruptFile,
                                             "tensor " + store.describe(name) + " in " + weightsFileText(store) + " holds " +
                                                 (std::isnan(v[k]) ? "NaN" : "an infinite value") + " at index " +
                                                 std::to_string(k));
                        }
                    }
                }
                bound.m_tensors[{spec.role, layer}] = data.value();
                std::uint64_t count = 1;
                for (const std::int64_t d : spec.shape) count *= static_cast<std::uint64_t>(d);
                const bool transposed = bound.m_transposed.count({spec.role, layer}) > 0;
                bound.m_order.push_back({name, layer, data.value(), count, transposed ? spec.shape[0] : 0});
                used.insert(name);
            } else if (spec.need == TensorNeed::Required) {
                return makeError(ErrorCode::CorruptFile, "tensor " + store.describe(name) + " is missing from " +
                                                             weightsFileText(store) + " (expected shape " +
                                                             shapeText(spec.shape) + ")");
            }
        }
        const bool layerDone = layer >= 0 && (i + 1 == slots.size() || slots[i + 1].layer != layer);
        if (layerDone && progress &&
            !progress(static_cast<std::size_t>(layer + 1), static_cast<std::size_t>(config.nLayers))) {
            return makeError(ErrorCode::Cancelled, "loading cancelled");
        }
    }

    std::set<std::string> unusedSet;
    for (const std::string& name : store.names()) {
        if (!used.count(name)) unusedSet.insert(name);
    }
    if (std::string extra = extraLayersWarning(store, table, *prefix, specs, config, unusedSet); !extra.empty()) {
        bound.m_warnings.push_back(std::move(extra));
    }
    std::vector<std::string> unused(unusedSet.begin(), unusedSet.end());
    if (!unused.empty()) {
        std::sort(unused.begin(), unused.end());
        std::string list;
        for (const std::string& name : unused) list += (list.empty() ? "" : ", ") + name;
        const bool one = unused.size() == 1;
        bound.m_warnings.push_back(std::to_string(unused.size()) + (one ? " tensor in " : " tensors in ") +
                                   weightsFileText(store) + (one ? " is" : " are") + " not used by a \"" +
                                   config.modelType + "\" model (ignored): " + list);
    }
    return bound;
}

}  // namespace attnviz::core
