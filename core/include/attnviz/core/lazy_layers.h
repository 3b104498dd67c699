// Per-layer weights that are computed (dequantised, converted) when a
// forward pass reaches the layer, into address space reserved up front, and
// given back to the system when other layers need the room. Pointers into
// it stay valid for the life of the object, so families keep plain
// `const float*` weights; a forward pass holds a LayerLease on the layer it
// computes, which fills it first when needed and keeps it filled meanwhile.
//
//   LazyLayers lazy(budgetBytes);
//   float* w = lazy.add(layer, count, fill);   // before the first lease
//   { auto lease = lazy.lease(layer); use(w); }
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace attnviz::core {

class LazyLayers;

class LayerLease {
public:
    LayerLease() = default;
    LayerLease(LayerLease&& other) noexcept : m_owner(other.m_owner), m_layer(other.m_layer) { other.m_owner = nullptr; }
    LayerLease& operator=(LayerLease&&) = delete;
    LayerLease(const LayerLease&) = delete;
    ~LayerLease();

private:
    friend class LazyLayers;
    LayerLease(LazyLayers* owner, int layer) : m_owner(owner), m_layer(layer) {}
    LazyLayers* m_owner = nullptr;
    int m_layer = -1;
};

class LazyLayers {
public:
    // Filled layers beyond `budgetBytes` are given back, least recently used
    // first (a leased layer never is).
    explicit LazyLayers(std::uint64_t budgetBytes);
    ~LazyLayers();
    LazyLayers(const LazyLayers&) = delete;
    LazyLayers& operator=(const LazyLayers&) = delete;

    // Registers `count` floats of `layer` that `fill` writes; all add()
    // calls come before reserve(). Returns the tensor's index.
    std::size_t add(int layer, std::uint64_t count, std::function<void(float*)> fill);
    // Wraps tensor `index`'s fill: `wrap` gets the old fill and returns the
    // new one, which writes the same count. Before its layer's first lease.
    void wrapFill(std::size_t index,
                  const std::function<std::function<void(float*)>(std::function<void(float*)>)>& wrap);
    // Reserves the address space (no memory is committed); false when the
    // system refuses the reservation.
    bool reserve();
    // Where tensor `index` lives (valid after reserve()).
    float* data(std::size_t index) const;

    LayerLease lease(int layer);

    std::uint64_t budgetBytes() const { return m_budget; }
    // Bytes of layers filled now, and the most there ever were.
    std::uint64_t filledBytes() const;
    std::uint64_t peakFilledBytes() const;
    std::uint64_t layerFills() const;  // how many times a layer was filled

    // The budget for `totalBytes` of layers: ATTNVIZ_WEIGHT_CACHE_MB when
    // set; else all of them when they fit in half the free memory, else 1 GiB.
    static std::uint64_t defaultBudget(std::uint64_t totalBytes);

private:
    friend class LayerLease;
    void release(int layer);
    // Gives back unleased layers, oldest first, until `incoming` more bytes
    // fit the budget (m_mutex held).
    void evictOverBudget(std::uint64_t incoming);

    struct Tensor {
        int layer;
        std::uint64_t count;
        std::uint64_t offset = 0;
        std::function<void(float*)> fill;
    };
    struct Layer {
        std::uint64_t begin = 0, bytes = 0;  // page-aligned range
        std::vector<std::size_t> tensors;
        int pins = 0;
        bool filled = false;
        std::uint64_t lastUse = 0;
    };
    std::uint64_t m_budget;
    std::vector<Tensor> m_tensors;
    std::vector<Layer> m_layers;
    std::byte* m_base = nullptr;
    std::uint64_t m_reserved = 0;
    mutable std::mutex m_mutex;
    std::uint64_t m_clock = 0, m_filled = 0, m_peak = 0, m_fills = 0;
};

}  // namespace attnviz::core
