// A run's attention kept as what computes it, for inputs whose full trace
// would not fit: each layer's queries and keys as the attention kernel saw
// them (after RoPE), the head layout and the keys each query may see,
// O(layers x seqLen x dModel) instead of O(layers x heads x seqLen^2).
// Any head's (seqLen, seqLen) probabilities are computed on request by the
// kernel's own row-block routine, so they are bit-identical to an eager
// trace of the same run; the most recently used heads are cached. The
// forward pass also leaves, for every head, the statistics of head_stats.h
// and a block-downsampled thumbnail (mean and max per cell), computed from
// each block of rows while it was in hand.
//
//   RunOptions o; o.lazyTrace = true;
//   AttentionTrace t = *model.run(ids, o);
//   std::shared_ptr<const HeadBuffer> p = t.lazy()->head(3, 7);  // (seqLen, seqLen)
#pragma once

#include "attnviz/core/attention_kernel.h"
#include "attnviz/core/head_stats.h"
#include "attnviz/core/layer_mask.h"

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace attnviz::core {

class LazyAttention {
public:
    // Thumbnails are min(seqLen, kThumbnailCells) cells on a side.
    static constexpr int kThumbnailCells = 96;

    LazyAttention(int nLayers, int nHeads, int seqLen);

    // Bytes a lazy trace of this shape keeps: queries, keys, thumbnails.
    static std::uint64_t bytesFor(int nLayers, int nHeads, int nKvHeads, int headDim, int seqLen);

    int nLayers() const { return m_nLayers; }
    int nHeads() const { return m_nHeads; }
    int seqLen() const { return m_seqLen; }
    // Cells per side of a thumbnail; cell a covers rows (and columns)
    // [cellStart(a), cellStart(a + 1)).
    int thumbnailCells() const { return m_cells; }
    int cellStart(int cell) const;
    int cellOf(int position) const;

    // The forward pass, once per layer before its heads: copies the layer's
    // queries and keys (every row; qkv.qFirstRow must be 0).
    // exactRows: the pass computed its query rows below kExactRowsEnd with
    // the exact kernel (prefix reuse, attention_rows.h); heads computed later do too.
    void keepLayer(int layer, const QkvView& qkv, const HeadLayout& layout, const LayerMask& mask, bool exactRows);
    bool hasLayer(int layer) const;
    // The forward pass, for each block of rows of a head in order from row 0
    // (any thread, one thread per head): folds them into the head's
    // statistics and thumbnail.
    void addRows(int layer, int head, int row0, int n, const float* probs);
    // After the pass: turns the sums into means.
    void finishPass();

    // (seqLen, seqLen) probabilities of one head, row = query, computed now.
    void computeHead(int layer, int head, float* out) const;
    // The same, through a cache of the most recently used heads (at most
    // cacheBytes(), and always the one returned). Thread-safe.
    std::shared_ptr<const HeadBuffer> head(int layer, int head) const;
    void setCacheBytes(std::size_t bytes);
    std::size_t cacheBytes() const { return m_cacheBytes; }

    // (cells, cells) row-major: the mean and the maximum of each cell.
    const float* thumbnailMean(int layer, int head) const;
    const float* thumbnailMax(int layer, int head) const;
    // Entropy, mean distance, sink, previous token and diagonal of a head,
    // equal to computeHeadStats() of an eager trace (induction is NaN).
    const HeadStats& stats(int layer, int head) const;
    std::vector<HeadStats> allStats() const { return m_stats; }

    std::uint64_t bytes() const;

private:
    struct Layer {
        std::vector<float> q;  // (seqLen, nHeads headDim)
        std::vector<float> k;  // (seqLen, nKvHeads headDim)
        HeadLayout layout;
        LayerMask mask;
        bool exactRows = false;
        bool kept = false;
    };
    std::size_t headIndex(int layer, int head) const { return static_cast<std::size_t>(layer) * m_nHeads + head; }

    int m_nLayers = 0;
    int m_nHeads = 0;
    int m_seqLen = 0;
    int m_cells = 0;
    std::vector<Layer> m_layers;                    // (nLayers)
    std::vector<HeadStatsAccumulator> m_sums;       // (nLayers nHeads), during the pass
    std::vector<HeadStats> m_stats;                 // (nLayers nHeads)
    std::vector<double> m_cellSums;                 // (nLayers nHeads, cells, cells), during the pass
    std::vector<float> m_thumbMean;                 // (nLayers nHeads, cells, cells)
    std::vector<float> m_thumbMax;                  // (nLayers nHeads, cells, cells)

    using Cached = std::pair<std::size_t, std::shared_ptr<const HeadBuffer>>;  // (head index, matrix)
    mutable std::mutex m_cacheMutex;
    mutable std::list<Cached> m_cache;  // most recent first
    // One head of 8k tokens (256 MiB), sixteen of 2k: a head takes about
    // 50 ms to compute at 8k, so more cache buys little and costs memory.
    std::size_t m_cacheBytes = std::size_t{320} << 20;
};

}  // namespace attnviz::core
