// What a decoder keeps between generation steps: every layer's self-
// attention keys and values of the positions so far and its cross-attention
// keys and values of the source (computed once from the encoder output).
#pragma once

#include "attnviz/core/layer_mask.h"
#include "attnviz/core/ops.h"

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

    // Room for `rows` more positions in every layer's self keys and values.
    void reserve(int rows);
};

}  // namespace attnviz::core
