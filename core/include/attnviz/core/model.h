// A loaded transformer: config, weights, and a forward pass that records the
// attention of every layer and query head.
//
//   auto model = loadModel("models/stories260K");
//   if (!model) return fail(model.error());
//   Result<AttentionTrace> trace = (*model)->run(ids, RunOptions{});
#pragma once

#include "attnviz/core/attention_trace.h"
#include "attnviz/core/model_config.h"
#include "attnviz/core/result.h"
#include "attnviz/core/run_options.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace attnviz::core {

class BoundTensors;
class WeightStore;

// One bound weight tensor, for finding where a NaN or Inf came from.
struct BoundWeight {
    std::string name;
    int layer = -1;  // -1: not a per-layer tensor (embeddings, final norm, head)
    const float* data = nullptr;
    std::uint64_t count = 0;
    // > 0: data holds the transpose of the stored (transposedRows, count /
    // transposedRows) matrix (WeightStore::convertLayersLazily).
    std::int64_t transposedRows = 0;
};

// Called with (done, total); return false to cancel.
using ProgressFn = std::function<bool(std::size_t done, std::size_t total)>;

class Model {
public:
    virtual ~Model() = default;

    const ModelConfig& config() const { return m_config; }
    const std::string& name() const { return m_name; }
    void setName(std::string name) { m_name = std::move(name); }
    // The weights file (model.safetensors or its index), for run errors.
    const std::string& weightsSource() const { return m_weightsSource; }
    void setWeightsSource(std::string path) { m_weightsSource = std::move(path); }
    // Bytes of the per-layer weights a forward pass streams (as the float32
    // it computes with): what a short input's run time is bound by.
    std::uint64_t layerWeightBytes() const;

    // The mask the model was trained with (causal, bidirectional, window).
    MaskMode defaultMask() const;
    bool hasTokenTypes() const { return m_config.typeVocabSize > 1; }

    // What loading noticed without failing, one line each, for the caller to
    // show: e.g. tensors in the file that the architecture does not use.
    const std::vector<std::string>& loadWarnings() const { return m_loadWarnings; }
    // Where the weights live (null for a family that keeps its own copies).
    const WeightStore* weightStore() const { return m_weightStore; }
    void addLoadWarning(std::string line) { m_loadWarnings.push_back(std::move(line)); }

    // Validates the ids, token types and length, then runs the forward pass.
    // Thread-safe: several runs may go on at once.
    Result<AttentionTrace> run(std::span<const std::int32_t> ids, const RunOptions& options) const;
    // What run()'s trace of seqLen tokens takes, checked against
    // traceMemoryBudget(): the eager probabilities (and scores), or a lazy
    // trace's queries and keys.
    std::uint64_t traceBytes(int seqLen, const RunOptions& options) const;
    // True when every layer's attention goes through multiHeadAttention()
    // (attention_kernel.h), which fills a lazy trace.
    virtual bool keepsLazyTraces() const { return true; }

protected:
    explicit Model(ModelConfig config) : m_config(std::move(config)) {}
    // Keeps the binding's warnings and its list of bound tensors.
    void adoptBinding(const BoundTensors& bound);

    // The trace carries the resolved mask and layer masks; `types` has one entry per id. Returns an error only
    // when cancelled.
    // With options.prefixCache set (only for families that reuse prefixes),
    // forward computes rows [firstRow, seqLen) and runs attention over every
    // row through PrefixCache::extend.
    virtual Status forward(std::span<const std::int32_t> ids, std::span<const std::int32_t> types,
                   const RunOptions& options, AttentionTrace& trace) const = 0;
    // True for the causal families whose forward honours a PrefixCache.
    virtual bool reusesPrefixes() const { return false; }

private:
    // `options` with the prefix cache started for this run, or without it
    // (and the cache cleared) when reuse would not be exact.
    RunOptions withPrefixCache(std::span<const std::int32_t> ids, const AttentionTrace& trace,
                               const RunOptions& options) const;
    // The first bound tensor of layers <= `layer` (or of no layer) holding a
    // NaN or Inf, described for an error message (with its name in the file);
    // empty when there is none. Leases each layer it reads, so lazily filled
    // layers (GGUF) are scanned as stored, not as given back.
    std::string firstNonFiniteWeight(int layer) const;

    ModelConfig m_config;
    std::string m_name;
    std::string m_weightsSource;
    std::vector<std::string> m_loadWarnings;
    std::vector<BoundWeight> m_weights;  // in binding order
    const WeightStore* m_weightStore = nullptr;  // where m_weights live; owned by the family
};

// Reads config.json and the safetensors weights of a Hugging Face folder.
Result<std::unique_ptr<Model>> loadModel(const std::filesystem::path& dir, const ProgressFn& progress = {});

}  // namespace attnviz::core
