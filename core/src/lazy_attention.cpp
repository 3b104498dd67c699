#include "attnviz/core/lazy_attention.h"

#include "attention_rows.h"
#include "parallel_for.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace attnviz::core {

LazyAttention::LazyAttention(int nLayers, int nHeads, int seqLen)
    : m_nLayers(nLayers), m_nHeads(nHeads), m_seqLen(seqLen), m_cells(std::min(seqLen, kThumbnailCells)) {
    const std::size_t heads = static_cast<std::size_t>(nLayers) * nHeads;
    const std::size_t cells = static_cast<std::size_t>(m_cells) * m_cells;
    m_layers.resize(static_cast<std::size_t>(nLayers));
    m_sums.assign(heads, HeadStatsAccumulator(seqLen));
    m_stats.resize(heads);
    m_cellSums.assign(heads * cells, 0.0);
    m_thumbMean.assign(heads * cells, 0.0f);
    m_thumbMax.assign(heads * cells, 0.0f);
}

std::uint64_t LazyAttention::bytesFor(int nLayers, int nHeads, int nKvHeads, int headDim, int seqLen) {
    const std::uint64_t cells = static_cast<std::uint64_t>(std::min(seqLen, kThumbnailCells));
    const std::uint64_t perLayer = static_cast<std::uint64_t>(seqLen) * (static_cast<std::uint64_t>(nHeads) + nKvHeads) *
                                   static_cast<std::uint64_t>(headDim) * sizeof(float);
    // Thumbnails: the mean and the maximum, plus the sums while the pass runs.
    const std::uint64_t perHead = cells * cells * (2 * sizeof(float) + sizeof(double));
    return static_cast<std::uint64_t>(nLayers) * (perLayer + static_cast<std::uint64_t>(nHeads) * perHead);
}

int LazyAttention::cellStart(int cell) const {
    return static_cast<int>(static_cast<std::int64_t>(cell) * m_seqLen / m_cells);
}

int LazyAttention::cellOf(int position) const {
    // The largest a with cellStart(a) <= position.
    int a = static_cast<int>((static_cast<std::int64_t>(position) * m_cells) / m_seqLen);
    while (a + 1 < m_cells && cellStart(a + 1) <= position) ++a;
    while (a > 0 && cellStart(a) > position) --a;
    return a;
}

void LazyAttention::keepLayer(int layer, const QkvView& qkv, const HeadLayout& layout, const LayerMask& mask,
                              bool exactRows) {
    assert(qkv.qFirstRow == 0);
    Layer& L = m_layers[static_cast<std::size_t>(layer)];
    const int T = m_seqLen;
    const std::size_t qWidth = static_cast<std::size_t>(layout.nHeads) * layout.headDim;
    const std::size_t kWidth = static_cast<std::size_t>(layout.nKvHeads) * layout.headDim;
    L.q.resize(qWidth * T);
    L.k.resize(kWidth * T);
    for (int t = 0; t < T; ++t) {
        std::memcpy(L.q.data() + t * qWidth, qkv.q + static_cast<std::ptrdiff_t>(t) * qkv.qStride, qWidth * sizeof(float));
        std::memcpy(L.k.data() + t * kWidth, qkv.k + static_cast<std::ptrdiff_t>(t) * qkv.kStride, kWidth * sizeof(float));
    }
    L.layout = layout;
    L.mask = mask;
    L.exactRows = exactRows;
    L.kept = true;
}

bool LazyAttention::hasLayer(int layer) const {
    return layer >= 0 && layer < m_nLayers && m_layers[static_cast<std::size_t>(layer)].kept;
}

void LazyAttention::addRows(int layer, int head, int row0, int n, const float* probs) {
    const std::size_t index = headIndex(layer, head);
    const LayerMask& mask = m_layers[static_cast<std::size_t>(layer)].mask;
    m_sums[index].addRows(probs, row0, n, mask.globalTokens.empty() ? &mask : nullptr);
    const int T = m_seqLen;
    const std::size_t cells = static_cast<std::size_t>(m_cells);
    double* sums = m_cellSums.data() + index * cells * cells;
    float* maxima = m_thumbMax.data() + index * cells * cells;
    std::vector<int> starts(cells + 1);
    for (std::size_t c = 0; c <= cells; ++c) starts[c] = cellStart(static_cast<int>(c));
    // Without global tokens a row's nonzero keys lie in the mask's band
    // (the first i + 1 under a causal mask); the keys outside it hold 0,
    // which adds nothing to a cell's sum and cannot raise its maximum (both
    // start at 0), so only the band's cells are read.
    const bool banded = mask.globalTokens.empty();
    for (int r = 0; r < n; ++r) {
        const float* row = probs + static_cast<std::ptrdiff_t>(r) * T;
        const std::size_t a = static_cast<std::size_t>(cellOf(row0 + r));
        const auto [bandBegin, bandEnd] = banded ? mask.band(row0 + r, T) : std::pair<int, int>{0, T};
        if (bandBegin >= bandEnd) continue;
        const std::size_t firstCell = static_cast<std::size_t>(cellOf(bandBegin));
        const std::size_t endCell = static_cast<std::size_t>(cellOf(bandEnd - 1)) + 1;
        for (std::size_t c = firstCell; c < endCell; ++c) {
            float sum = 0.0f;
            float top = 0.0f;
            const int jEnd = std::min(starts[c + 1], bandEnd);
            for (int j = std::max(starts[c], bandBegin); j < jEnd; ++j) {
                sum += row[j];
                top = std::max(top, row[j]);
            }
            sums[a * cells + c] += sum;
            maxima[a * cells + c] = std::max(maxima[a * cells + c], top);
        }
    }
}

void LazyAttention::finishPass() {
    const std::size_t cells = static_cast<std::size_t>(m_cells);
    for (int l = 0; l < m_nLayers; ++l) {
        for (int h = 0; h < m_nHeads; ++h) {
            const std::size_t index = headIndex(l, h);
            m_stats[index] = m_sums[index].result(l, h);
            for (std::size_t a = 0; a < cells; ++a) {
                const double rows = cellStart(static_cast<int>(a) + 1) - cellStart(static_cast<int>(a));
                for (std::size_t c = 0; c < cells; ++c) {
                    const double cols = cellStart(static_cast<int>(c) + 1) - cellStart(static_cast<int>(c));
                    const std::size_t at = index * cells * cells + a * cells + c;
                    m_thumbMean[at] = static_cast<float>(m_cellSums[at] / (rows * cols));
                }
            }
        }
    }
    std::vector<HeadStatsAccumulator>().swap(m_sums);
    std::vector<double>().swap(m_cellSums);
    // The first heads a view opens (as many as the cache holds, at most 4)
    // get these buffers' pages from the pool of released large buffers
    // (aligned_buffer.h): faulting in fresh ones costs as much as computing
    // a head (0.4 s at 8k tokens); the pass that ends here takes minutes at
    // that length. Later heads reuse the pages of the ones they evict.
    const std::size_t n = static_cast<std::size_t>(m_seqLen) * m_seqLen;
    const std::size_t bytes = n * sizeof(float);
    if (bytes >= OverwriteAllocator<float>::kHugeBytes) {
        const std::size_t count = std::clamp<std::size_t>(m_cacheBytes / bytes, 1, 4);
        std::vector<HeadBuffer> warm(count);
        for (HeadBuffer& b : warm) {
            b.resize(n);
            volatile float* touch = b.data();
            for (std::size_t i = 0; i < n; i += 1024) touch[i] = 0.0f;
        }
    }
}

void LazyAttention::computeHead(int layer, int head, float* out) const {
    const Layer& L = m_layers[static_cast<std::size_t>(layer)];
    assert(L.kept);
    const int T = m_seqLen;
    const HeadLayout& layout = L.layout;
    const int hd = layout.headDim;
    const int g = head / (layout.nHeads / layout.nKvHeads);
    const int qStride = layout.nHeads * hd;
    const int kStride = layout.nKvHeads * hd;
    const float* q = L.q.data() + static_cast<std::ptrdiff_t>(head) * hd;
    const float* k = L.k.data() + static_cast<std::ptrdiff_t>(g) * hd;
    // The forward pass's blocks, threaded when its heads were: inside a
    // parallel region each BLAS call runs on its own thread there as here.
    const double work = static_cast<double>(layout.nHeads) * T * T * hd;
    const bool parallel = work >= kParallelAttentionWork;
    const int blocks = (T + kAttentionRowBlock - 1) / kAttentionRowBlock;
    forEachIndex(blocks, parallel, [&](int b) {
        const int row0 = b * kAttentionRowBlock;
        const int n = std::min(kAttentionRowBlock, T - row0);
        headProbabilityRows(q + static_cast<std::ptrdiff_t>(row0) * qStride, qStride, k, kStride, row0, n, T, layout,
                            L.mask, L.exactRows, out + static_cast<std::ptrdiff_t>(row0) * T, nullptr);
    });
}

std::shared_ptr<const HeadBuffer> LazyAttention::head(int layer, int head) const {
    const std::size_t index = headIndex(layer, head);
    {
        std::lock_guard lock(m_cacheMutex);
        for (auto it = m_cache.begin(); it != m_cache.end(); ++it) {
            if (it->first == index) {
                m_cache.splice(m_cache.begin(), m_cache, it);
                return m_cache.front().second;
            }
        }
    }
    const std::size_t n = static_cast<std::size_t>(m_seqLen) * m_seqLen;
    {
        // Room first: an evicted matrix nobody holds gives its pages to the
        // new one (aligned_buffer.h) instead of the new one faulting in fresh
        // pages, which costs as much as computing it.
        std::lock_guard lock(m_cacheMutex);
        std::size_t used = 0;
        for (const Cached& c : m_cache) used += c.second->size() * sizeof(float);
        while (!m_cache.empty() && used + n * sizeof(float) > m_cacheBytes) {
            used -= m_cache.back().second->size() * sizeof(float);
            m_cache.pop_back();
        }
    }
    auto matrix = std::make_shared<HeadBuffer>(n);  // (seqLen, seqLen)
    computeHead(layer, head, matrix->data());
    std::lock_guard lock(m_cacheMutex);
    m_cache.emplace_front(index, matrix);
    // Keep the newest, then as many as fit.
    std::size_t used = 0;
    for (auto it = m_cache.begin(); it != m_cache.end();) {
        const std::size_t size = it->second->size() * sizeof(float);
        if (it != m_cache.begin() && used + size > m_cacheBytes) {
            it = m_cache.erase(it);
        } else {
            used += size;
            ++it;
        }
    }
    return matrix;
}

void LazyAttention::setCacheBytes(std::size_t bytes) {
    std::lock_guard lock(m_cacheMutex);
    m_cacheBytes = bytes;
}

const float* LazyAttention::thumbnailMean(int layer, int head) const {
    return m_thumbMean.data() + headIndex(layer, head) * static_cast<std::size_t>(m_cells) * m_cells;
}

const float* LazyAttention::thumbnailMax(int layer, int head) const {
    return m_thumbMax.data() + headIndex(layer, head) * static_cast<std::size_t>(m_cells) * m_cells;
}

const HeadStats& LazyAttention::stats(int layer, int head) const { return m_stats[headIndex(layer, head)]; }

std::uint64_t LazyAttention::bytes() const {
    std::uint64_t total = 0;
    for (const Layer& L : m_layers) total += (L.q.size() + L.k.size()) * sizeof(float);
    total += (m_thumbMean.size() + m_thumbMax.size()) * sizeof(float) + m_cellSums.size() * sizeof(double);
    return total;
}

}  // namespace attnviz::core
