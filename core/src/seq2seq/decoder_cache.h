// What a decoder keeps between generation steps: every layer's self-
// attention keys and values of the positions so far and its cross-attention
// keys and values of the source (computed once from the encoder output).
#pragma once

#include "attnviz/core/layer_capture.h"
#include "attnviz/core/layer_mask.h"
#include "attnviz/core/ops.h"
#include "attnviz/core/result.h"

#include <memory>
#include <span>
#include <vector>

namespace attnviz::core {

struct DecoderLayerCache {
    RowMatrix selfK;   // (capacity, Hd headDim): rows [0, length) filled
    RowMatrix selfV;   // (capacity, Hd headDim)
    RowMatrix crossK;  // (S, Hd headDim)
    RowMatrix crossV;  // (S, Hd headDim)
};

struct DecoderCache {
    std::vector<DecoderLayerCache> layers;
    int length = 0;      // decoder positions cached
    int sourceLen = 0;   // S
    LayerMask selfMask;  // the decoder self-attention's mask (causal by default)
    // Per layer, where to keep its self- and cross-attention inputs
    // (layer_capture.h), or null; empty = none. Only for a pass that starts
    // at position 0, so the capture holds every row.
    std::vector<LayerCapture*> selfCaptures;
    std::vector<LayerCapture*> crossCaptures;

    // Room for `rows` more positions in every layer's self keys and values.
    void reserve(int rows);
    LayerCapture* selfCapture(int layer) const { return pick(selfCaptures, layer); }
    LayerCapture* crossCapture(int layer) const { return pick(crossCaptures, layer); }

private:
    static LayerCapture* pick(const std::vector<LayerCapture*>& captures, int layer) {
        return layer < static_cast<int>(captures.size()) ? captures[static_cast<std::size_t>(layer)] : nullptr;
    }
};

// A cache for a decoder whose layers project the encoder output with
// `crossKV[l]` = {K, V} (each dModel -> width), with room for `capacity`
// self-attention positions of `width` columns.
std::unique_ptr<DecoderCache> startDecoderCache(const RowMatrix& encoderOut,
                                                std::span<const std::pair<const Linear*, const Linear*>> crossKV,
                                                int capacity, int width, const LayerMask& selfMask);

// One decoder layer's attention for the `n` new positions after
// cache.length, as both families compute it. What differs is passed in:
// the score scale (T5: 1), the self-attention position bias (T5:
// (nHeads, n, cache.length + n), else null).
struct DecoderStep {
    int layer = 0;
    int nHeads = 0;
    int headDim = 0;
    float scale = 1.0f;
};
// Stores k, v (n, width) as the layer's new self keys and values, then
// attends q (n, width) over every position so far. probs/scores: this
// layer's (nHeads, n, cache.length + n); scores may be null.
Status attendCachedSelf(const DecoderStep& step, DecoderCache& cache, const RowMatrix& q, const RowMatrix& k,
                        const RowMatrix& v, const float* bias, float* probs, float* scores, RowMatrix& context);
// Attends q (n, width) over the source. probs: (nHeads, n, S).
Status attendCachedCross(const DecoderStep& step, const DecoderCache& cache, const RowMatrix& q, float* probs,
                         RowMatrix& context);

}  // namespace attnviz::core
