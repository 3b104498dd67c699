// Loading a model from one GGUF file: config from metadata, tensors renamed
// to the family's Hugging Face names and dequantised on first use.
#include "attnviz/core/gguf_model.h"

#include "gguf_architectures.h"
#include "gguf_rope_freqs.h"
#include "gguf_row_order.h"
#include "../models/architectures.h"
#include "../models/weight_names.h"
#include "../message_text.h"

#include "attnviz/core/weight_store.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <unordered_map>

namespace attnviz::core {
namespace {

std::string where(const GgufFile& f) { return "'" + f.path().string() + "'"; }

Result<std::string> architectureName(const GgufFile& f) {
    auto arch = f.string("general.architecture");
    if (!arch) return arch.takeError();
    if (!arch->has_value()) {
        return makeError(ErrorCode::CorruptFile, where(f) + ": metadata \"general.architecture\" is missing");
    }
    return **arch;
}

Result<const GgufArchitecture*> architectureOf(const GgufFile& f) {
    auto name = architectureName(f);
    if (!name) return name.takeError();
    const GgufArchitecture* a = findGgufArchitecture(*name);
    if (!a) {
        std::string list;
        for (const auto& n : ggufArchitectureNames()) list += (list.empty() ? "" : ", ") + n;
        return makeError(ErrorCode::Unsupported, where(f) + ": GGUF architecture " + quotedForMessage(*name) +
                                                     " is not supported (supported: " + list + ")");
    }
    return a;
}

// output.weight that is a byte copy of token_embd.weight (llama.cpp's GPT-2
// converter writes one) is the tied embedding, not an untied head.
bool outputIsTiedCopy(const GgufFile& f) {
    const GgufTensorInfo* out = f.tensor("output.weight");
    const GgufTensorInfo* emb = f.tensor("token_embd.weight");
    if (!out) return true;
    return emb && out->type == emb->type && out->ne == emb->ne && out->byteSize == emb->byteSize &&
           std::memcmp(out->data, emb->data, out->byteSize) == 0;
}

std::string layerName(const std::string& pattern, int layer) {
    std::string n = pattern;
    if (const auto pos = n.find("{L}"); pos != std::string::npos) n.replace(pos, 3, std::to_string(layer));
    return n;
}

}  // namespace

Result<ModelConfig> ggufModelConfig(const GgufFile& file) {
    auto arch = architectureOf(file);
    if (!arch) return arch.takeError();
    nlohmann::json cfg = nlohmann::json::object();
    cfg["model_type"] = (*arch)->modelType;
    if (Status st = (*arch)->config(file, (*arch)->name, cfg); !st) return st.takeError();
    const GgufTensorInfo* emb = file.tensor("token_embd.weight");
    if (!emb || emb->ne.size() != 2) {
        return makeError(ErrorCode::CorruptFile, where(file) + ": tensor 'token_embd.weight' is missing or not 2-D");
    }
    cfg["vocab_size"] = emb->ne[1];
    cfg["tie_word_embeddings"] = outputIsTiedCopy(file);
    for (const char* key : {"bos", "eos"}) {
        auto id = file.integer(std::string("tokenizer.ggml.") + key + "_token_id");
        if (!id) return id.takeError();
        // llama.cpp writes 0xFFFFFFFF for "none".
        if (id->has_value() && **id >= 0 && static_cast<std::uint64_t>(**id) < emb->ne[1]) {
            cfg[std::string(key) + "_token_id"] = **id;
        }
    }
    if (auto rope = llama3RopeScalingFromFactors(file, cfg); !rope) return rope.takeError();
    auto config = ModelConfig::fromJson(cfg.dump(), file.path().string() + " (GGUF metadata)");
    if (!config) return config.takeError();
    return config;
}

std::string ggufUnsupportedReason(const GgufFile& file) {
    auto config = ggufModelConfig(file);
    if (!config) return config.error();
    for (const GgufTensorInfo& t : file.tensors()) {
        const GgmlTypeInfo& info = ggmlTypeInfo(t.type);
        if (!info.supported) {
            return where(file) + ": tensor '" + t.name + "' has type " + std::string(info.name) +
                   ", which attnviz does not read yet (F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K-Q6_K)";
        }
    }
    return {};
}

std::string ggufWeightTypeName(const GgufFile& file) {
    // LLAMA_FTYPE names (llama.h).
    static const std::map<std::int64_t, std::string> kFileTypes = {
        {0, "F32"},     {1, "F16"},     {2, "Q4_0"},    {3, "Q4_1"},    {7, "Q8_0"},    {8, "Q5_0"},
        {9, "Q5_1"},    {10, "Q2_K"},   {11, "Q3_K_S"}, {12, "Q3_K_M"}, {13, "Q3_K_L"}, {14, "Q4_K_S"},
        {15, "Q4_K_M"}, {16, "Q5_K_S"}, {17, "Q5_K_M"}, {18, "Q6_K"},   {32, "BF16"},
    };
    if (auto ft = file.integer("general.file_type"); ft && ft->has_value()) {
        if (auto it = kFileTypes.find(**ft); it != kFileTypes.end()) return it->second;
    }
    std::map<std::string, std::uint64_t> bytesByType;
    for (const GgufTensorInfo& t : file.tensors()) bytesByType[std::string(ggmlTypeInfo(t.type).name)] += t.byteSize;
    std::string best;
    std::uint64_t most = 0;
    for (const auto& [name, bytes] : bytesByType) {
        if (bytes > most) best = name, most = bytes;
    }
    return best;
}

Result<std::unique_ptr<Model>> loadGgufModel(const std::filesystem::path& path, const ProgressFn& progress) {
    auto opened = GgufFile::open(path);
    if (!opened) return opened.takeError();
    auto file = std::make_shared<GgufFile>(std::move(opened.value()));
    auto config = ggufModelConfig(*file);
    if (!config) return config.takeError();
    const GgufArchitecture& arch = **architectureOf(*file);
    const WeightNameTable& names = weightNameTable(config->architecture);
    const std::string prefix = names.bodyPrefixes.front();

    std::vector<DerivedTensor> tensors;
    std::map<std::string, std::string> used;  // GGUF name -> HF name
    std::unordered_map<std::string, std::string> ggufNames;  // HF name -> GGUF name, for messages
    for (const auto& [role, spec] : arch.tensors) {
        const bool perLayer = spec.gguf.find("{L}") != std::string::npos;
        if (role == TensorRole::LmHeadWeight && config->tieWordEmbeddings) continue;
        for (int layer = 0; layer < (perLayer ? config->nLayers : 1); ++layer) {
            const std::string ggufName = layerName(spec.gguf, layer);
            const std::string hfName = tensorName(names, prefix, role, perLayer ? layer : -1);
            if (hfName.empty()) continue;
            ggufNames[hfName] = ggufName;
            const GgufTensorInfo* t = file->tensor(ggufName);
            if (!t) continue;  // the binder names what a family needs and lacks
            const GgmlTypeInfo& type = ggmlTypeInfo(t->type);
            if (!type.supported) {
                return makeError(ErrorCode::Unsupported, where(*file) + ": tensor '" + ggufName + "' has type " +
                                                             std::string(type.name) +
                                                             ", which attnviz does not read yet");
            }
            DerivedTensor d;
            d.name = hfName;
            d.storedBytes = t->byteSize;
            d.layer = perLayer ? layer : -1;
            // The token embedding and LM head (vocab x dModel each) are the
            // largest tensors: filled while a forward pass leases the extra
            // layer nLayers around the embedding lookup and the logits (every
            // family does).
            if (role == TensorRole::TokenEmbedding || role == TensorRole::LmHeadWeight) d.layer = config->nLayers;
            // ne is innermost-first; the torch shape is its reverse, and
            // Conv1D weights (Transposed) keep ne's order.
            for (auto it = t->ne.rbegin(); it != t->ne.rend(); ++it) d.shape.push_back(static_cast<std::int64_t>(*it));
            if (spec.order == GgufRowOrder::Transposed && t->ne.size() == 2) std::reverse(d.shape.begin(), d.shape.end());
            std::uint64_t heads = 1;
            if (spec.order == GgufRowOrder::NeoxQkv) {
                heads = static_cast<std::uint64_t>(config->nHeads);
                const std::uint64_t rows = t->ne.size() == 2 ? t->ne[1] : t->ne[0];
                if (heads == 0 || rows % (3 * heads) != 0) {
                    return makeError(ErrorCode::CorruptFile, where(*file) + ": tensor '" + ggufName + "' has " +
                                                                 std::to_string(rows) + " rows, not 3 x " +
                                                                 std::to_string(heads) + " heads");
                }
            }
            if (spec.order == GgufRowOrder::LlamaRope) {
                const bool isQ = role == TensorRole::AttnQWeight || role == TensorRole::AttnQBias;
                heads = static_cast<std::uint64_t>(isQ ? config->nHeads : config->nKvHeads);
                const std::uint64_t rows = t->ne.size() == 2 ? t->ne[1] : t->ne[0];
                if (heads == 0 || rows % heads != 0 || (rows / heads) % 2 != 0) {
                    return makeError(ErrorCode::CorruptFile, where(*file) + ": tensor '" + ggufName + "' has " +
                                                                 std::to_string(rows) + " rows, not " +
                                                                 std::to_string(heads) + " heads of an even size");
                }
            }
            const GgufTensorInfo info = *t;
            const GgufRowOrder order = spec.order;
            const float add = spec.addToValues;
            d.fill = [info, order, heads, add](float* out) {
                const std::uint64_t rowLen = info.ne.size() == 2 ? info.ne[0] : 1;
                const std::uint64_t rows = info.numel / std::max<std::uint64_t>(rowLen, 1);
                if (order == GgufRowOrder::Same) {
                    dequantizeGgml(info.type, info.data, info.numel, out);
                } else {
                    AlignedVector<float> tmp(info.numel);  // (rows, rowLen) as stored
                    dequantizeGgml(info.type, info.data, info.numel, tmp.data());
                    if (order == GgufRowOrder::LlamaRope || order == GgufRowOrder::NeoxQkv) {
                        reorderRows(order, tmp.data(), out, rows, rowLen, heads, true);
                    } else {  // (rows, rowLen) -> (rowLen, rows)
                        for (std::uint64_t r = 0; r < rows; ++r) {
                            for (std::uint64_t c = 0; c < rowLen; ++c) out[c * rows + r] = tmp[r * rowLen + c];
                        }
                    }
                }
                if (add != 0.0f) {
                    for (std::uint64_t i = 0; i < info.numel; ++i) out[i] += add;
                }
            };
            used[ggufName] = hfName;
            tensors.push_back(std::move(d));
        }
    }
    std::vector<std::string> ignored;
    for (const GgufTensorInfo& t : file->tensors()) {
        if (!used.count(t.name) && !(t.name == "output.weight" && config->tieWordEmbeddings) &&
            t.name != "rope_freqs.weight") {
            ignored.push_back(t.name);
        }
    }

    // Layers are dequantised when a forward pass reaches them and kept when
    // they all fit; otherwise streamed through a bounded cache, so a 7B file
    // does not become 28 GB of float32.
    std::uint64_t floatBytes = 0;
    for (const DerivedTensor& d : tensors) {
        std::uint64_t n = sizeof(float);
        for (auto dim : d.shape) n *= static_cast<std::uint64_t>(dim);
        floatBytes += n;
    }
    // The nn.Linear matrices kept transposed as for safetensors folders
    // (WeightStore::transposesMatrices).
    auto derived = WeightStore::derived(path, file, std::move(tensors), LazyLayers::defaultBudget(floatBytes),
                                        WeightStore::transposesMatrices(floatBytes));
    if (!derived) return derived.takeError();
    auto store = std::make_unique<WeightStore>(std::move(derived.value()));
    store->setSourceNames(std::move(ggufNames));
    auto model = architectureInfo(config->architecture).create(config.value(), std::move(store), progress);
    if (!model) return prefixError(where(*file) + ": ", model.takeError());
    if (!ignored.empty()) {
        std::string list;
        for (std::size_t i = 0; i < ignored.size() && i < 5; ++i) list += (i ? ", " : "") + ignored[i];
        if (ignored.size() > 5) list += ", ...";
        (*model)->addLoadWarning(where(*file) + " holds " + std::to_string(ignored.size()) +
                                 " tensors attnviz does not use: " + list);
    }
    (*model)->setName(path.stem().string());
    (*model)->setWeightsSource(path.string());
    return model;
}

}  // namespace attnviz::core
