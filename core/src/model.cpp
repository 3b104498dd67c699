#include "attnviz/core/model.h"

#include "attnviz/core/lazy_attention.h"

#include "attnviz/core/gguf_model.h"
#include "attnviz/core/model_discovery.h"

#include "attnviz/core/prefix_cache.h"
#include "attnviz/core/weight_store.h"
#include "models/architectures.h"
#include "models/falcon_model.h"
#include "models/gemma_model.h"
#include "models/gpt2_model.h"
#include "models/gpt_neo_model.h"
#include "models/gpt_neox_model.h"
#include "models/llama_model.h"
#include "models/bert_model.h"
#include "models/modernbert_model.h"
#include "models/opt_model.h"
#include "models/tensor_binder.h"
#include "out_of_memory.h"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>

#include <fstream>
#include <optional>

namespace attnviz::core {
namespace {

bool cancelled(const RunOptions& options) { return options.cancel != nullptr && options.cancel->load(); }

constexpr const char* kWhatOpens =
    "attnviz opens Hugging Face model folders (config.json with model.safetensors) and .gguf files";

// What `path` is when it is not a model folder: a GGUF or weights file, a
// Hugging Face cache entry, a folder of something else.
std::optional<Error> notAModelFolder(const std::filesystem::path& path) {
    std::error_code ec;
    const std::string quoted = "'" + path.string() + "'";
    if (!std::filesystem::exists(path, ec)) return makeError(ErrorCode::Io, quoted + " does not exist");
    if (std::filesystem::is_regular_file(path, ec)) {
        char magic[4] = {};
        std::ifstream in(path, std::ios::binary);
        in.read(magic, 4);
        const std::string name = path.filename().string();
        if (in.gcount() == 4 && std::string(magic, 4) == "GGUF") return std::nullopt;  // loadGgufModel
        if (name == "config.json" || path.extension() == ".safetensors") {
            return makeError(ErrorCode::InvalidInput, quoted + " is a file of a model folder; open the folder that "
                                                               "holds it ('" + path.parent_path().string() + "')");
        }
        return makeError(ErrorCode::InvalidInput, quoted + " is a file, not a model folder; " + kWhatOpens);
    }
    if (!std::filesystem::is_directory(path, ec)) return makeError(ErrorCode::Io, quoted + " is not a folder; " + kWhatOpens);
    if (std::filesystem::is_regular_file(path / "config.json", ec)) return std::nullopt;
    if (std::filesystem::is_directory(path / "snapshots", ec)) {
        return makeError(ErrorCode::InvalidInput, quoted + " is a Hugging Face cache entry; open one of its "
                                                           "snapshots/<revision> folders");
    }
    std::string gguf;
    for (const auto& e : std::filesystem::directory_iterator(path, ec)) {
        if (e.path().extension() == ".gguf") {
            gguf = e.path().filename().string();
            break;
        }
    }
    if (!gguf.empty()) {
        return makeError(ErrorCode::InvalidInput, quoted + " holds GGUF files ('" + gguf +
                                                      "') and no config.json; open the .gguf file itself");
    }
    return makeError(ErrorCode::Io, "no config.json in " + quoted + "; " + kWhatOpens);
}

// The families whose forward pass leases each layer (and layer nLayers for
// the model-wide weights: embeddings, projections, LM head) before reading
// that layer's own weights, so those weights may be filled lazily. BertModel
// too (BERT, RoBERTa, DistilBERT, ELECTRA, Longformer), but not for ALBERT,
// whose layers share one set of weights: a lease of layer 1 would not hold
// them.
bool leasesEveryLayer(const ArchitectureInfo& info) {
    for (const auto create : {&LlamaModel::create, &GemmaModel::create, &Gpt2Model::create, &GptNeoXModel::create,
                              &FalconModel::create, &OptModel::create, &GptNeoModel::create, &ModernBertModel::create}) {
        if (info.create == create) return true;
    }
    return info.create == &BertModel::create && info.architecture != Architecture::Albert;
}

}  // namespace

namespace {

// The index in the file of element k of a bound tensor's floats.
std::uint64_t storedIndex(const BoundWeight& w, std::uint64_t k) {
    if (w.transposedRows <= 0) return k;
    const auto rows = static_cast<std::uint64_t>(w.transposedRows);
    const std::uint64_t cols = w.count / rows;
    return k % rows * cols + k / rows;  // floats (cols, rows): k = c * rows + r
}

}  // namespace

void Model::adoptBinding(const BoundTensors& bound) {
    m_loadWarnings = bound.warnings();
    m_weights = bound.inOrder();
    m_weightStore = bound.store();
}

std::uint64_t Model::layerWeightBytes() const {
    std::uint64_t bytes = 0;
    for (const BoundWeight& w : m_weights) {
        if (w.layer >= 0) bytes += w.count * sizeof(float);
    }
    return bytes;
}

std::string Model::firstNonFiniteWeight(int layer) const {
    for (const BoundWeight& w : m_weights) {
        if (w.layer > layer) continue;
        // A lazy store fills the layer while leased (the embeddings and head
        // are its layer nLayers); otherwise the lease does nothing.
        const LayerLease leased =
            m_weightStore != nullptr ? m_weightStore->leaseLayer(w.layer >= 0 ? w.layer : m_config.nLayers) : LayerLease{};
        for (std::uint64_t k = 0; k < w.count; ++k) {
            if (!std::isfinite(w.data[k])) {
                const std::string in = weightsSource().empty() ? std::string() : " in '" + weightsSource() + "'";
                const std::string named = m_weightStore != nullptr ? m_weightStore->describe(w.name) : "'" + w.name + "'";
                return "tensor " + named + in + " holds " + (std::isnan(w.data[k]) ? "NaN" : "an infinite value") +
                       " at index " + std::to_string(storedIndex(w, k));
            }
        }
    }
    return {};
}

MaskMode Model::defaultMask() const {
    if (m_config.isEncoder()) return MaskMode::bidirectional();
    return MaskMode::causal();
}

RunOptions Model::withPrefixCache(std::span<const std::int32_t> ids, const AttentionTrace& trace,
                                  const RunOptions& options) const {
    RunOptions served = options;
    PrefixCache* cache = options.prefixCache;
    if (cache == nullptr) return served;
    // Exact reuse needs rows that never see later keys: every layer causal,
    // no global tokens, and a family whose forward computes rows from firstRow.
    bool causal = reusesPrefixes() && trace.globalTokens().empty();
    for (int l = 0; l < trace.nLayers() && causal; ++l) causal = trace.layerMask(l).isCausal();
    if (!causal) {
        cache->clear();
        served.prefixCache = nullptr;
        return served;
    }
    const int T = static_cast<int>(ids.size());
    int lastNeeded = T;
    if (options.computeLogits) {
        lastNeeded = options.logitPositions.empty()
                         ? 0
                         : *std::min_element(options.logitPositions.begin(), options.logitPositions.end());
    }
    // Without the attention of the kept rows, the recorded rows must be new.
    if (cache->reuse() == PrefixCache::Reuse::NewRowsOnly) lastNeeded = std::min(lastNeeded, options.recordRowsFrom);
    // A captured layer keeps every row's q, k and v: all rows are computed
    // (and the cache refilled for the next run).
    if (!options.captureLayers.empty()) lastNeeded = 0;
    const ModelConfig& c = config();
    cache->begin(ids, trace.tokenTypeIds, trace.mask(), lastNeeded,
                 alignedRowStep({c.dModel, c.dFF, c.headDim, c.embeddingSize}));
    return served;
}

std::uint64_t traceMemoryBudget() {
    constexpr std::uint64_t kDefault = 2ull << 30;
    const char* text = std::getenv("ATTNVIZ_TRACE_BUDGET_MB");
    if (text == nullptr || *text == '\0') return kDefault;
    char* end = nullptr;
    const unsigned long long mb = std::strtoull(text, &end, 10);
    if (*end != '\0' || mb == 0 || mb > (1ull << 40)) return kDefault;
    return static_cast<std::uint64_t>(mb) << 20;
}

std::uint64_t Model::traceBytes(int seqLen, const RunOptions& options) const {
    const ModelConfig& c = m_config;
    const auto T = static_cast<std::uint64_t>(seqLen);
    if (options.lazyTrace) return LazyAttention::bytesFor(c.nLayers, c.nHeads, c.nKvHeads, c.headDim, seqLen);
    const std::uint64_t heldRows = T - static_cast<std::uint64_t>(std::clamp(options.recordRowsFrom, 0, seqLen));
    return static_cast<std::uint64_t>(c.nLayers) * c.nHeads * heldRows * T * sizeof(float) *
           (options.captureScores ? 2 : 1);
}

Result<AttentionTrace> Model::run(std::span<const std::int32_t> ids, const RunOptions& options) const {
    const ModelConfig& c = m_config;
    const auto T = static_cast<std::int64_t>(ids.size());
    if (T == 0) return makeError(ErrorCode::InvalidInput, "there are no tokens to run");
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (ids[i] < 0 || ids[i] >= c.vocabSize) {
            return makeError(ErrorCode::InvalidInput, "token id " + std::to_string(ids[i]) + " at position " +
                                                          std::to_string(i) + " is outside the vocabulary (0.." +
                                                          std::to_string(c.vocabSize - 1) + ")");
        }
    }
    if (T > c.maxSequenceLength()) {
        return makeError(ErrorCode::InvalidInput, "the input has " + std::to_string(T) +
                                                      " tokens; this model takes at most " +
                                                      std::to_string(c.maxSequenceLength()));
    }
    if (options.recordRowsFrom < 0 || options.recordRowsFrom >= T) {
        return makeError(ErrorCode::InvalidInput, "the first recorded attention row " +
                                                      std::to_string(options.recordRowsFrom) +
                                                      " is outside the input (0.." + std::to_string(T - 1) + ")");
    }
    if (options.lazyTrace) {
        const char* conflict = options.captureScores           ? "the scores before the softmax"
                               : !options.captureLayers.empty() ? "layer captures"
                               : options.recordRowsFrom > 0     ? "recording only the last rows"
                               : (options.prefixCache != nullptr &&
                                  options.prefixCache->reuse() == PrefixCache::Reuse::NewRowsOnly)
                                   ? "a generation prefix cache"
                                   : nullptr;
        if (conflict != nullptr) {
            return makeError(ErrorCode::InvalidInput,
                             std::string("a lazy attention trace cannot keep ") + conflict + "; run it eagerly");
        }
        if (!keepsLazyTraces()) {
            return makeError(ErrorCode::Unsupported, c.modelType + " models (global attention) cannot keep a lazy "
                                                                   "attention trace; shorten the text to run it eagerly");
        }
    }
    const std::uint64_t traceBytes = this->traceBytes(static_cast<int>(T), options);
    if (const std::uint64_t budget = traceMemoryBudget(); traceBytes > budget) {
        return makeError(ErrorCode::OutOfMemory,
                         "the input has " + std::to_string(T) + " tokens; " +
                             (options.lazyTrace ? "keeping every layer's queries and keys"
                                                : "recording every head's attention") +
                             " would need " + byteSizeText(traceBytes) + " (budget " + byteSizeText(budget) +
                             "): shorten the text");
    }

    std::vector<std::int32_t> types;
    if (!options.tokenTypeIds.empty()) {
        if (options.tokenTypeIds.size() != ids.size()) {
            return makeError(ErrorCode::InvalidInput, "got " + std::to_string(options.tokenTypeIds.size()) +
                                                          " token types for " + std::to_string(ids.size()) +
                                                          " tokens");
        }
        const int limit = std::max(c.typeVocabSize, 1);
        for (std::size_t i = 0; i < ids.size(); ++i) {
            if (options.tokenTypeIds[i] < 0 || options.tokenTypeIds[i] >= limit) {
                return makeError(ErrorCode::InvalidInput,
                                 "token type " + std::to_string(options.tokenTypeIds[i]) + " at position " +
                                     std::to_string(i) + " is outside 0.." + std::to_string(limit - 1) +
                                     " for this model");
            }
        }
        types = options.tokenTypeIds;
    } else {
        types.assign(ids.size(), 0);
    }

    if (cancelled(options)) return cancelledError();

    const MaskMode mask = options.mask.kind == MaskMode::Kind::Default ? defaultMask() : options.mask;
    std::vector<int> globalTokens;
    if (c.globalAttention) globalTokens = options.globalTokens.value_or(std::vector<int>{0});
    else if (options.globalTokens && !options.globalTokens->empty()) {
        return makeError(ErrorCode::InvalidInput, "global attention tokens were given, but " + c.modelType +
                                                      " models have no global attention (only longformer)");
    }
    for (int g : globalTokens) {
        if (g < 0 || g >= T) {
            return makeError(ErrorCode::InvalidInput, "global attention token " + std::to_string(g) +
                                                          " is outside the input (0.." + std::to_string(T - 1) + ")");
        }
    }
    for (int l : options.captureLayers) {
        if (l < 0 || l >= c.nLayers) {
            return makeError(ErrorCode::InvalidInput, "layer " + std::to_string(l) + " to capture is outside the model's layers (0.." +
                                                          std::to_string(c.nLayers - 1) + ")");
        }
    }
    std::vector<char> wanted(static_cast<std::size_t>(T), 0);
    for (int p : options.logitPositions) {
        if (p < 0 || p >= T || wanted[static_cast<std::size_t>(p)]) {
            return makeError(ErrorCode::InvalidInput, "logits position " + std::to_string(p) +
                                                          (p < 0 || p >= T ? " is outside the input (0.." +
                                                                                 std::to_string(T - 1) + ")"
                                                                           : " is asked for twice"));
        }
        wanted[static_cast<std::size_t>(p)] = 1;
    }
    // The trace and the logits are the large buffers; the activations of the
    // forward pass are far smaller but can fail as well.
    const std::uint64_t logitRows = options.logitPositions.empty()
                                        ? static_cast<std::uint64_t>(T)
                                        : static_cast<std::uint64_t>(options.logitPositions.size());
    const std::uint64_t logitsBytes =
        options.computeLogits ? logitRows * static_cast<std::uint64_t>(c.vocabSize) * sizeof(float) : 0;
    const std::string what = "a run of " + std::to_string(T) + " tokens (attention trace" +
                             (options.computeLogits ? std::string(" and logits") : std::string()) + ")";
    auto result = guardAllocation(what, traceBytes + logitsBytes, [&]() -> Result<AttentionTrace> {
        // forward() writes every probability, score and norm of the trace.
        AttentionTrace trace =
            options.lazyTrace
                ? AttentionTrace::lazyFor(c.nLayers, c.nHeads, static_cast<int>(T), options.captureValueNorms)
                : AttentionTrace::forOverwrite(c.nLayers, c.nHeads, static_cast<int>(T), options.captureScores,
                                               options.captureValueNorms, options.recordRowsFrom);
        trace.setMask(mask);
        trace.setLayers(c.allLayerKinds(), globalTokens);
        trace.setMaskIsModelDefault(mask == defaultMask());
        trace.tokenIds.assign(ids.begin(), ids.end());
        if (hasTokenTypes()) trace.tokenTypeIds = types;
        if (options.computeLogits) trace.logitPositions = options.logitPositions;
        trace.requestCaptures(options.captureLayers);
        const RunOptions served = withPrefixCache(ids, trace, options);
        // Rows in fixed blocks whenever prefixes are reused exactly, in the
        // first run as well as the next; generation computes its new rows
        // only, attention included.
        std::optional<RowBlockedLinear> blocks;
        std::optional<PrefixCache::ActiveScope> active;
        if (served.prefixCache != nullptr) {
            if (served.prefixCache->reuse() == PrefixCache::Reuse::Exact) {
                blocks.emplace(served.prefixCache->firstRow());
                active.emplace(served.prefixCache);
            } else {
                trace.setFirstComputedRow(served.prefixCache->firstRow());
            }
        }
        Status s = forward(ids, types, served, trace);
        if (!s && options.prefixCache != nullptr) options.prefixCache->clear();
        if (!s) {
            // forward() stops between layers when the flag is set; whatever
            // its message, that is a cancellation.
            if (cancelled(options)) return cancelledError();
            return s.takeError();
        }
        if (trace.isLazy()) {
            for (int l = 0; l < c.nLayers; ++l) {
                if (!trace.lazy()->hasLayer(l)) {
                    return makeError(ErrorCode::Internal, "layer " + std::to_string(l) +
                                                              " left nothing in the lazy attention trace");
                }
            }
            trace.lazy()->finishPass();
        }
        if (const auto [layer, head] = trace.firstNonFiniteScores(); layer >= 0) {
            if (options.prefixCache != nullptr) options.prefixCache->clear();
            // Only on this error path: scan the weights the hidden state went
            // through for the tensor that holds the NaN or Inf.
            std::string culprit = firstNonFiniteWeight(layer);
            if (culprit.empty()) {
                culprit = "no weight up to layer " + std::to_string(layer) +
                          " holds NaN or Inf, so the values overflow float32 on the way";
            }
            return makeError(ErrorCode::CorruptFile, "the attention scores of layer " + std::to_string(layer) +
                                                         " (head " + std::to_string(head) +
                                                         ") are NaN or infinite: " + culprit);
        }
        if (!Eigen::Map<const Eigen::ArrayXf>(trace.logits.data(), static_cast<Eigen::Index>(trace.logits.size()))
                 .allFinite()) {
            if (options.prefixCache != nullptr) options.prefixCache->clear();
            std::string culprit = firstNonFiniteWeight(c.nLayers);
            if (culprit.empty()) culprit = "no weight holds NaN or Inf, so the values overflow float32 on the way";
            return makeError(ErrorCode::CorruptFile, "the language-model head's logits are NaN or infinite: " + culprit);
        }
        return trace;
    });
    // Running out of memory half-way leaves rows the next run must not trust.
    if (!result && options.prefixCache != nullptr) options.prefixCache->clear();
    return result;
}

Result<std::unique_ptr<Model>> loadModel(const std::filesystem::path& dir, const ProgressFn& progress) {
    if (auto problem = notAModelFolder(dir)) return *problem;
    std::error_code ec;
    if (std::filesystem::is_regular_file(dir, ec)) {
        auto gguf = loadGgufModel(dir, progress);
        // An Ollama blob is named by its manifest, not "sha256-...".
        if (gguf) {
            if (std::string name = storeModelName(dir); !name.empty()) (*gguf)->setName(name);
        }
        return gguf;
    }
    auto config = ModelConfig::fromFile(dir / "config.json");
    if (!config) return config.takeError();
    auto store = WeightStore::open(dir);
    if (!store) return store.takeError();
    auto owned = std::make_unique<WeightStore>(std::move(store.value()));
    if (leasesEveryLayer(architectureInfo(config->architecture))) {
        // F16/BF16 weights become float32 a layer at a time while a forward
        // pass reaches them, kept when they all fit, else streamed through a
        // bounded cache: opening costs no conversion, and an 8B model does not
        // need 32 GB of float32. The layers' nn.Linear weights are kept
        // transposed when the model is small enough
        // (WeightStore::transposesMatrices), F32 ones included.
        const bool transpose = WeightStore::transposesMatrices(owned->matrixBytes());
        owned->convertLayersLazily(
            LazyLayers::defaultBudget(transpose ? owned->matrixBytes() : owned->convertedMatrixBytes()), transpose);
    }
    const std::string weightsOnDisk = byteSizeText(owned->totalBytes());
    const std::string weightsSource = owned->source().string();

    // The families word a refused progress callback their own way; watching
    // the callback here makes it a cancellation whatever they say.
    bool refused = false;
    ProgressFn watched;
    if (progress) {
        watched = [&](std::size_t done, std::size_t total) {
            const bool goOn = progress(done, total);
            refused = refused || !goOn;
            return goOn;
        };
    }
    const std::string what = "the weights of '" + dir.string() + "' (" + weightsOnDisk + " on disk)";
    auto model = guardAllocation(what, std::nullopt, [&]() -> Result<std::unique_ptr<Model>> {
        return architectureInfo(config->architecture).create(config.value(), std::move(owned), watched);
    });
    if (!model) {
        Error error = model.takeError();
        if (refused) error.code = ErrorCode::Cancelled;
        return prefixError("'" + dir.string() + "': ", std::move(error));
    }
    auto canonical = std::filesystem::weakly_canonical(dir, ec);
    // A Hugging Face cache snapshot is named "org/name", not by its revision.
    std::string name = storeModelName(dir);
    if (name.empty()) name = (ec ? dir : canonical).filename().string();
    (*model)->setName(name.empty() ? dir.string() : name);
    (*model)->setWeightsSource(weightsSource);
    return model;
}

}  // namespace attnviz::core
