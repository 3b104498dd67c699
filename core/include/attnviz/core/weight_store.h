// All tensors of a model folder: model.safetensors, or the shards listed in
// model.safetensors.index.json. Hands out float32 views: F32 data is used in
// place from the mapping, F16/BF16 are converted once and kept. A store can
// also hold tensors derived from another format (a GGUF file's, dequantised
// and renamed), computed on first use and kept.
#pragma once

#include "attnviz/core/aligned_buffer.h"
#include "attnviz/core/lazy_layers.h"
#include "attnviz/core/result.h"
#include "attnviz/core/safetensors_file.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace attnviz::core {

// A tensor under its Hugging Face name whose float32 values `fill` writes
// (numel of `shape` floats).
struct DerivedTensor {
    std::string name;
    std::vector<std::int64_t> shape;
    std::uint64_t storedBytes = 0;  // its size in the source file
    int layer = -1;                 // -1: not a per-layer tensor
    std::function<void(float* out)> fill;
};

class WeightStore {
public:
    static Result<WeightStore> open(const std::filesystem::path& modelDir);
    // `owner` keeps the source (e.g. the mapped file) alive as long as the store.
    // With `lazyLayerBudget` > 0 the per-layer tensors are filled only while
    // a forward pass leases their layer (LazyLayers), keeping at most about
    // that many bytes of them filled; the others are filled on first use.
    // With `transposeMatrices`, as in convertLayersLazily.
    static Result<WeightStore> derived(std::filesystem::path source, std::shared_ptr<const void> owner,
                                       std::vector<DerivedTensor> tensors, std::uint64_t lazyLayerBudget = 0,
                                       bool transposeMatrices = false);

    // Keeps layer `layer`'s weights filled while the lease lives (a no-op
    // for stores without lazy layers). Every forward pass takes one on each
    // layer before reading its weights, and one on layer nLayers (the token
    // embedding and LM head) around the embedding lookup and the logits.
    LayerLease leaseLayer(int layer) const { return m_lazy ? m_lazy->lease(layer) : LayerLease{}; }

    // For messages: the name a tensor has in its file when that differs
    // from the Hugging Face name attnviz binds ("'blk.1.ffn_down.weight'
    // (model.layers.1.mlp.down_proj.weight)"), else "'name'".
    std::string describe(const std::string& name) const;
    void setSourceNames(std::unordered_map<std::string, std::string> names) { m_sourceNames = std::move(names); }

    bool contains(std::string_view name) const;
    const TensorInfo* info(std::string_view name) const;
    std::vector<std::string> names() const;
    std::uint64_t totalBytes() const;
    // model.safetensors, or the index that lists the shards.
    const std::filesystem::path& source() const { return m_source; }

    // F16/BF16 matrices converted to float32 only while a forward pass
    // leases their layer (LazyLayers, keeping about `budgetBytes` of them),
    // instead of whole when the model is bound; for families whose forward
    // pass leases each layer before reading its weights. Binding then plans
    // each matrix's layer (planLazy), reserves (reserveLazy), and floats()
    // hands out pointers that stay valid.
    // With `transposeMatrices`, the matrices planned with `transpose` (below)
    // are kept as float32 transposed, F32 ones included: a stored (out, in)
    // nn.Linear weight becomes (in, out), which products on fewer than 256
    // rows read row by row with no packing step (ops.h).
    void convertLayersLazily(std::uint64_t budgetBytes, bool transposeMatrices = false);
    // Whether a model whose matrices make `floatBytes` of float32 keeps them
    // transposed: up to a quarter of the machine's memory. Every fill pays
    // for the transposition, which a model streamed through the cache would
    // pay on every run. It depends on the machine alone, not on the cache
    // budget, so a run's numbers do not depend on ATTNVIZ_WEIGHT_CACHE_MB
    // or on free memory.
    static bool transposesMatrices(std::uint64_t floatBytes);
    bool convertsLazily() const { return m_lazy != nullptr && m_derived.empty(); }
    // Per-layer matrices filled while leased, converted or derived.
    bool hasLazyLayers() const { return m_lazy != nullptr; }
    bool keepsMatricesTransposed() const { return m_lazy != nullptr && m_transposeMatrices; }
    // `name` (of `shape`) belongs to `layer` (the model-wide token embedding
    // and LM head: nLayers); a no-op for float32 tensors not to be
    // transposed, vectors and names or shapes that do not match (floats()
    // reports those). Returns whether floats(name) will be the transpose.
    // Derived stores plan their layers when made; here they only choose
    // the transposition.
    bool planLazy(const std::string& name, int layer, const std::vector<std::int64_t>& shape, bool transpose = false);
    Status reserveLazy();
    // Bytes of float32 the stored F16/BF16 matrices make.
    std::uint64_t convertedMatrixBytes() const;
    // Bytes of float32 all stored matrices make, F32 ones included.
    std::uint64_t matrixBytes() const;

    // The tensor as float32, checked against the expected shape.
    // Errors name the tensor, the file and the shapes.
    Result<const float*> floats(std::string_view name, const std::vector<std::int64_t>& expectedShape);

private:
    Result<const float*> derivedFloats(const DerivedTensor& t, const std::vector<std::int64_t>& expectedShape);

    std::filesystem::path m_source;
    std::vector<std::unique_ptr<SafetensorsFile>> m_files;
    std::unordered_map<std::string, const TensorInfo*> m_byName;
    std::unordered_map<std::string, const SafetensorsFile*> m_fileOf;
    std::unordered_map<std::string, const float*> m_converted;
    std::deque<AlignedVector<float>> m_owned;  // converted or realigned tensors
    std::shared_ptr<const void> m_derivedOwner;
    std::unordered_map<std::string, DerivedTensor> m_derived;
    std::unique_ptr<LazyLayers> m_lazy;
    std::unordered_map<std::string, std::string> m_sourceNames;  // HF name -> name in the file
    std::unordered_map<std::string, std::size_t> m_lazyIndex;  // name -> LazyLayers tensor
    bool m_transposeMatrices = false;
    std::set<std::string> m_transposedNames;  // tensors whose fill transposes
};

}  // namespace attnviz::core
