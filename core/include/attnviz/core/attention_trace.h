// The product of one run: for every (layer, query head) a seqLen x seqLen
// matrix of post-softmax probabilities (row = query, column = key, each row
// sums to 1, masked entries exactly 0), optionally the scores before the
// softmax (QK^T scaled; recorded for every entry, so both the raw and the
// masked step can be shown) and the logits of the language-model head.
// A generation step's run (RunOptions::recordRowsFrom) records only the last
// queries' rows: then each matrix is (seqLen - firstRow, seqLen).
#pragma once

#include "attnviz/core/aligned_buffer.h"
#include "attnviz/core/layer_mask.h"
#include "attnviz/core/mask_mode.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace attnviz::core {

struct LayerCapture;
class LazyAttention;

// A head's matrix as a lazy trace computes it: written in full, so never
// zeroed first, and a large one reuses a released buffer's pages
// (aligned_buffer.h) instead of faulting in fresh ones.
using HeadBuffer = OverwriteVector<float>;

// One head's (heldRows, seqLen) probabilities, valid while this object
// lives: an eager trace's own rows, or the matrix a lazy trace computed.
class HeadMatrix {
public:
    HeadMatrix() = default;
    explicit HeadMatrix(const float* data) : m_data(data) {}
    explicit HeadMatrix(std::shared_ptr<const HeadBuffer> computed)
        : m_keep(std::move(computed)), m_data(m_keep->data()) {}
    const float* data() const { return m_data; }

private:
    std::shared_ptr<const HeadBuffer> m_keep;
    const float* m_data = nullptr;
};

class AttentionTrace {
public:
    AttentionTrace() = default;
    // All probabilities, scores and norms start at 0.
    AttentionTrace(int nLayers, int nHeads, int seqLen, bool withScores, bool withValueNorms = false);
    // The same shape with the buffers left unwritten, for a producer that
    // writes every element (the forward pass): zeroing a trace of a long text
    // first costs as much as a tenth of the run.
    // firstRow > 0: only the rows of queries [firstRow, seqLen) are held.
    static AttentionTrace forOverwrite(int nLayers, int nHeads, int seqLen, bool withScores, bool withValueNorms,
                                       int firstRow = 0);

    // A trace that keeps no probabilities: the forward pass fills `lazy()`
    // (lazy_attention.h), which computes any head on request. Value norms as
    // in an eager trace; no scores.
    static AttentionTrace lazyFor(int nLayers, int nHeads, int seqLen, bool withValueNorms);
    bool isLazy() const { return m_lazy != nullptr; }
    // Null for an eager trace. Shared by the trace's copies.
    const std::shared_ptr<LazyAttention>& lazy() const { return m_lazy; }

    int nLayers() const { return m_nLayers; }
    int nHeads() const { return m_nHeads; }
    int seqLen() const { return m_seqLen; }
    // The first query whose row the trace holds (0: every query).
    int firstRow() const { return m_firstRow; }
    int heldRows() const { return m_seqLen - m_firstRow; }
    // The first query the forward pass computed attention for; the rows
    // before it came from a PrefixCache (PrefixCache::Reuse::NewRowsOnly).
    // At most firstRow(); the attention kernel reads it.
    int firstComputedRow() const { return m_firstComputedRow; }
    void setFirstComputedRow(int row) { m_firstComputedRow = row; }

    // (heldRows, seqLen), row-major, row r = query firstRow + r. Eager
    // traces only (a lazy trace holds none: lazy()->head()).
    const float* probs(int layer, int head) const { return m_probs.data() + offset(layer, head); }
    float* probs(int layer, int head) { return m_probs.data() + offset(layer, head); }
    // Any trace, eager or lazy: what the views, analyses and exports read.
    HeadMatrix headProbs(int layer, int head) const;
    // query >= firstRow(); any trace (a lazy one computes the head, cached).
    float prob(int layer, int head, int query, int key) const {
        if (m_lazy) return headProbs(layer, head).data()[static_cast<std::size_t>(query) * m_seqLen + key];
        return probs(layer, head)[static_cast<std::size_t>(query - m_firstRow) * m_seqLen + key];
    }

    // Scaled scores QK^T / sqrt(d) before the mask, (heldRows, seqLen) row-major.
    bool hasScores() const { return !m_scores.empty(); }
    const float* rawScores(int layer, int head) const { return m_scores.data() + offset(layer, head); }
    float* rawScores(int layer, int head) { return m_scores.data() + offset(layer, head); }
    // The score after the mask: -inf where the layer's mask hides the key.
    float maskedScore(int layer, int head, int query, int key) const;

    // ||f_lh(x_j)||: the norm of what key j contributes through head h of layer
    // l before weighting, f(x) = (x W_V^h + b_V^h) W_O^h (Kobayashi et al. 2020).
    // (seqLen) per head; only when RunOptions::captureValueNorms was set.
    bool hasValueNorms() const { return !m_valueNorms.empty(); }
    const float* valueNorms(int layer, int head) const { return m_valueNorms.data() + normOffset(layer, head); }
    float* valueNorms(int layer, int head) { return m_valueNorms.data() + normOffset(layer, head); }

    // The mask the run used, already resolved (never Kind::Default).
    MaskMode mask() const { return m_mask; }
    void setMask(MaskMode mask);
    bool maskIsModelDefault() const { return m_maskIsDefault; }
    void setMaskIsModelDefault(bool isDefault) { m_maskIsDefault = isDefault; }

    // Each layer's kind (global / local:W) and the keys it let each query see
    // (the kind combined with the mask). nLayers entries each once set; a
    // trace built by hand without them treats every layer by mask().
    const std::vector<LayerKind>& layerKinds() const { return m_layerKinds; }
    LayerKind layerKind(int layer) const;
    LayerMask layerMask(int layer) const;
    // The kernel marks a head whose scores held NaN or Inf (each head writes
    // only its own flag); Model::run turns the first into an error.
    void markNonFiniteScores(int layer, int head);
    // (layer, head) of the first such head in layer-major order, or (-1, -1).
    std::pair<int, int> firstNonFiniteScores() const;

    // Positions with global attention (Longformer), sorted; empty otherwise.
    const std::vector<int>& globalTokens() const { return m_globalTokens; }
    void setLayers(std::vector<LayerKind> kinds, std::vector<int> globalTokens);
    bool hasLocalLayers() const;

    // What the attention blocks of the requested layers computed on the way
    // (layer_capture.h; RunOptions::captureLayers): null for a layer not
    // asked for. The forward pass fills them through captureFor().
    void requestCaptures(const std::vector<int>& layers);
    bool capturesLayer(int layer) const;
    const LayerCapture* capture(int layer) const;
    // The capture of `layer` to fill (created on first use), or null when
    // the run did not ask for it.
    LayerCapture* captureFor(int layer);

    std::vector<std::int32_t> tokenIds;
    std::vector<std::int32_t> tokenTypeIds;  // empty when the model has no token types

    // (logitRows(), vocabSize), only when RunOptions::computeLogits was set:
    // row r holds position logitPositions[r], or position r when
    // logitPositions is empty (every position).
    std::vector<float> logits;
    std::vector<int> logitPositions;
    int vocabSize = 0;
    // The logits of `position` (vocabSize floats), or null when not computed.
    const float* logitsAt(int position) const;

private:
    std::size_t offset(int layer, int head) const {
        return (static_cast<std::size_t>(layer) * m_nHeads + head) * static_cast<std::size_t>(heldRows()) * m_seqLen;
    }

    std::size_t normOffset(int layer, int head) const {
        return (static_cast<std::size_t>(layer) * m_nHeads + head) * m_seqLen;
    }

    int m_nLayers = 0;
    int m_nHeads = 0;
    int m_seqLen = 0;
    int m_firstRow = 0;
    int m_firstComputedRow = 0;
    MaskMode m_mask;
    bool m_maskIsDefault = true;
    std::vector<LayerKind> m_layerKinds;  // (nLayers) or empty
    std::vector<LayerMask> m_layerMasks;  // (nLayers) or empty
    std::vector<int> m_globalTokens;
    std::vector<unsigned char> m_nonFinite;  // (nLayers, nHeads) flags
    OverwriteVector<float> m_probs;       // (nLayers, nHeads, heldRows, seqLen)
    OverwriteVector<float> m_scores;      // (nLayers, nHeads, heldRows, seqLen) unmasked, or empty
    OverwriteVector<float> m_valueNorms;  // (nLayers, nHeads, seqLen) or empty
    std::vector<int> m_captureLayers;     // sorted, unique
    std::vector<std::shared_ptr<LayerCapture>> m_captures;  // (nLayers) or empty; null where not captured
    std::shared_ptr<LazyAttention> m_lazy;  // lazy traces only
};

}  // namespace attnviz::core
