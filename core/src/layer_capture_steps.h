// How a forward pass fills a LayerCapture (layer_capture.h): the model calls
// these at three points of a captured layer's attention block. Each copies
// what it is given; nothing here changes the computation.
#pragma once

#include "attnviz/core/attention_kernel.h"
#include "attnviz/core/layer_capture.h"

#include <string>

namespace attnviz::core {

// Before RoPE rotates them in place: q (rows, nHeads headDim), k (rows,
// nKvHeads headDim), every row of the input.
void captureBeforeRope(LayerCapture& capture, const RowMatrix& q, const RowMatrix& k);

// After multiHeadAttention: `x` the block's input after its norm (seqLen,
// dModel), Q, K and V of every row as the kernel read them, and the context
// (seqLen, nHeads headDim). The rules name the model's scale and residual.
void captureAttention(LayerCapture& capture, const RowMatrix& x, const QkvView& qkv, int seqLen,
                      const HeadLayout& heads, const RowMatrix& context, std::string scaleRule,
                      std::string residualRule);
// The same where queries and keys differ: `queries` rows of q, `keys` rows of
// k and v (cross-attention: target rows over the source; a decoder's cached
// self-attention: the rows of its cache).
void captureAttention(LayerCapture& capture, const RowMatrix& x, const QkvView& qkv, int queries, int keys,
                      const HeadLayout& heads, const RowMatrix& context, std::string scaleRule,
                      std::string residualRule);

// After the output projection: the block's output (seqLen, dModel), what is
// added to the residual stream (W_O's bias included), and each head's
// ||o_i^h W_O^h|| through `out` (nHeads headDim -> dModel, bias excluded).
void captureOutput(LayerCapture& capture, const RowMatrix& blockOutput, const Linear& out);

// "1/sqrt(d_head)" and the like, for a scale of 1/sqrt(headDim) or 1.
std::string inverseSqrtRule(int headDim);

}  // namespace attnviz::core
