#include "attnviz/core/lazy_layers.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

namespace attnviz::core {

LayerLease::~LayerLease() {
    if (m_owner) m_owner->release(m_layer);
}

LazyLayers::LazyLayers(std::uint64_t budgetBytes) : m_budget(budgetBytes) {}

LazyLayers::~LazyLayers() {
    if (m_base) munmap(m_base, m_reserved);
}

std::uint64_t LazyLayers::defaultBudget(std::uint64_t totalBytes) {
    if (const char* mb = std::getenv("ATTNVIZ_WEIGHT_CACHE_MB")) {
        char* end = nullptr;
        const unsigned long long v = std::strtoull(mb, &end, 10);
        if (end != mb && *end == '\0' && v > 0 && v < (1ull << 30)) return v << 20;
    }
    // A forward pass visits the layers in order, so keeping some of them
    // saves nothing (the least recently used one is always the next one
    // needed): keep all of them when they fit in half the memory that is
    // free, else stream them through 1 GiB.
    const long pages = sysconf(_SC_AVPHYS_PAGES), pageSize = sysconf(_SC_PAGESIZE);
    const std::uint64_t available = pages > 0 && pageSize > 0 ? std::uint64_t(pages) * std::uint64_t(pageSize) : 0;
    constexpr std::uint64_t kStreaming = 1ull << 30;
    return totalBytes <= available / 2 ? std::max(totalBytes, kStreaming) : kStreaming;
}

std::size_t LazyLayers::add(int layer, std::uint64_t count, std::function<void(float*)> fill) {
    m_tensors.push_back({layer, count, 0, std::move(fill)});
    if (layer >= static_cast<int>(m_layers.size())) m_layers.resize(static_cast<std::size_t>(layer) + 1);
    m_layers[static_cast<std::size_t>(layer)].tensors.push_back(m_tensors.size() - 1);
    return m_tensors.size() - 1;
}

void LazyLayers::wrapFill(std::size_t index,
                          const std::function<std::function<void(float*)>(std::function<void(float*)>)>& wrap) {
    std::lock_guard lock(m_mutex);
    m_tensors[index].fill = wrap(std::move(m_tensors[index].fill));
}

bool LazyLayers::reserve() {
    const std::uint64_t page = static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
    std::uint64_t pos = 0;
    for (Layer& layer : m_layers) {
        layer.begin = pos;
        for (std::size_t i : layer.tensors) {
            m_tensors[i].offset = pos;
            pos += (m_tensors[i].count * sizeof(float) + 63) / 64 * 64;
        }
        pos = (pos + page - 1) / page * page;
        layer.bytes = pos - layer.begin;
    }
    if (pos == 0) return true;
    void* p = mmap(nullptr, pos, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return false;
    // Layers are refilled whole, run after run: 2 MB pages take 512 times
    // fewer faults than 4 KB ones (a hint; the kernel may decline).
    madvise(p, pos, MADV_HUGEPAGE);
    m_base = static_cast<std::byte*>(p);
    m_reserved = pos;
    return true;
}

float* LazyLayers::data(std::size_t index) const {
    return reinterpret_cast<float*>(m_base + m_tensors[index].offset);
}

LayerLease LazyLayers::lease(int layer) {
    if (layer < 0 || layer >= static_cast<int>(m_layers.size())) return {};
    std::lock_guard lock(m_mutex);
    Layer& L = m_layers[static_cast<std::size_t>(layer)];
    ++L.pins;
    L.lastUse = ++m_clock;
    if (!L.filled) {
        // Room first, so the peak stays near the budget (or one layer).
        evictOverBudget(L.bytes);
        // The layer's tensors are independent: fill them side by side.
        const auto& ids = L.tensors;
#pragma omp parallel for schedule(dynamic, 1)
        for (std::size_t k = 0; k < ids.size(); ++k) {
            const Tensor& t = m_tensors[ids[k]];
            t.fill(reinterpret_cast<float*>(m_base + t.offset));
        }
        L.filled = true;
        m_filled += L.bytes;
        ++m_fills;
        m_peak = std::max(m_peak, m_filled);
    }
    return LayerLease(this, layer);
}

void LazyLayers::release(int layer) {
    std::lock_guard lock(m_mutex);
    --m_layers[static_cast<std::size_t>(layer)].pins;
    evictOverBudget(0);
}

void LazyLayers::evictOverBudget(std::uint64_t incoming) {
    while (m_filled + incoming > m_budget) {
        Layer* oldest = nullptr;
        for (Layer& L : m_layers) {
            if (L.filled && L.pins == 0 && (!oldest || L.lastUse < oldest->lastUse)) oldest = &L;
        }
        if (!oldest) return;
        // The pages go back to the system; the range stays reserved and
        // reads as zeros until the layer is filled again.
        madvise(m_base + oldest->begin, oldest->bytes, MADV_DONTNEED);
        oldest->filled = false;
        m_filled -= oldest->bytes;
    }
}

std::uint64_t LazyLayers::filledBytes() const {
    std::lock_guard lock(m_mutex);
    return m_filled;
}

std::uint64_t LazyLayers::peakFilledBytes() const {
    std::lock_guard lock(m_mutex);
    return m_peak;
}

std::uint64_t LazyLayers::layerFills() const {
    std::lock_guard lock(m_mutex);
    return m_fills;
}

}  // namespace attnviz::core
