// Steps that several forward passes (the *_model.cpp files) share word for
// word: the rotary scaling from the config, the token-embedding lookup, the
// LM head and the logits, the cancel check between layers, the MLPs, the
// per-layer weights of the LayerNorm decoders and the split of a fused
// per-head qkv projection. Each architecture keeps its own forward file;
// only these steps live here.
#pragma once

#include "tensor_binder.h"

#include "attnviz/core/attention_kernel.h"
#include "attnviz/core/attention_trace.h"
#include "attnviz/core/model_config.h"
#include "attnviz/core/ops.h"
#include "attnviz/core/result.h"
#include "attnviz/core/run_options.h"

#include <cstdint>
#include <span>
#include <vector>

namespace attnviz::core {

// The config's rope_scaling as makeRopeTable takes it.
RopeScalingParams ropeScalingParams(const RopeScaling& scaling);

// Rows `ids` of an embedding table (rows, width): (seqLen, width).
RowMatrix embedTokens(const float* table, std::span<const std::int32_t> ids, int width);
// x (seqLen, width) += rows [first, first + seqLen) of a learned position
// table (positions, width).
void addPositionEmbeddings(RowMatrix& x, const float* table, int first);

// Prefix reuse (prefix_cache.h): the first row a forward pass computes (0
// without a cache), and the whole (seqLen, cols) matrix of a layer's
// attention input `slot` from the kept rows and the `fresh` ones (fresh
// itself without a cache).
int firstRow(const RunOptions& options);
const RowMatrix& keptAndNew(const RunOptions& options, int layer, int slot, const RowMatrix& fresh);
// Separate q, k and v of rows [first, seqLen) as the kernel reads every row:
// keptAndNew of each (slots 0, 1, 2), strides their widths. A generation
// cache (PrefixCache::Reuse::NewRowsOnly) keeps k and v only: q is the new
// rows (QkvView::qFirstRow).
QkvView allRows(const RunOptions& options, int layer, const RowMatrix& q, const RowMatrix& k, const RowMatrix& v);

// Rows [first, seqLen) of a rotary table (seqLen, headDim): the positions
// of a run that starts at `first`.
RopeTable ropeRows(RopeTable table, int first);

// The LM head (width -> vocabSize): the token embeddings (vocabSize, width)
// when tied, else the stored LmHeadWeight; LmHeadBias when the tensor list
// has one, in both cases.
Linear lmHead(const BoundTensors& w, bool tied, const float* tokenEmbedding, int width, int vocabSize);
// The rows of x (seqLen, width) whose logits the run wants
// (trace.logitPositions; every row when it is empty): (logitRows, width).
// Row-wise steps between the last layer and the head (final norm, MLM
// transform) run on these rows only.
// x may hold rows [first, seqLen) only (a run that reuses a prefix).
RowMatrix logitRows(const RowMatrix& x, const AttentionTrace& trace, int first = 0);
// Rows [first, seqLen) of m (seqLen, cols): m itself when first is 0, else
// copied into `scratch`.
const RowMatrix& newRows(const RowMatrix& m, int first, RowMatrix& scratch);
// trace.logits = logits (logitRows, vocabSize), and trace.vocabSize.
void storeLogits(const RowMatrix& logits, int vocabSize, AttentionTrace& trace);
// trace.logits = x (logitRows, width) through `head` (width -> vocabSize).
void writeLogits(const RowMatrix& x, const Linear& head, int vocabSize, AttentionTrace& trace);

// Whether the caller asked to stop (checked between layers), and the error
// a forward pass then returns.
bool cancelRequested(const RunOptions& options);
Error cancelledError();

// y (seqLen, dModel) = out(act(in(h))), h (seqLen, dModel), inner (seqLen, dFF).
void feedForward(const RowMatrix& h, const Linear& in, Activation act, const Linear& out, RowMatrix& y);
// y (seqLen, dModel) = down(act(gate(h)) * up(h)) (SwiGLU, GeGLU),
// h (seqLen, dModel), gate and up (seqLen, dFF).
void gatedFeedForward(const RowMatrix& h, const Linear& gate, const Linear& up, Activation act,
                      const Linear& down, RowMatrix& y);

// One layer of the LayerNorm decoders (GPT-2, GPT-Neo, GPT-NeoX, Falcon,
// OPT): a LayerNorm (gain, bias) for attention, a fused qkv or separate
// q/k/v projections, the output projection, a LayerNorm for the MLP and a
// two-matrix MLP. Each model's header names its checkpoint's tensors.
struct LayerNormLayer {
    const float* attnNormGain = nullptr;  // AttnNormWeight (dModel)
    const float* attnNormBias = nullptr;
    Linear qkv;                           // AttnQkvWeight: fused; null weight when q/k/v are separate
    Linear q, k, v;                       // AttnQ/K/VWeight: separate; null weights when fused
    Linear out;                           // AttnOutWeight (nHeads headDim -> dModel)
    const float* ffnNormGain = nullptr;   // FfnNormWeight (dModel)
    const float* ffnNormBias = nullptr;
    Linear ffnIn;                         // FfnUpWeight (dModel -> dFF)
    Linear ffnOut;                        // FfnDownWeight (dFF -> dModel)
};
enum class WeightLayout { Linear, Conv1D };  // nn.Linear (out, in) or GPT-2's Conv1D (in, out)
// Layer `layer`'s weights; a bias is null where the tensor list has none.
LayerNormLayer bindLayerNormLayer(const BoundTensors& w, int layer, WeightLayout layout = WeightLayout::Linear);

// The weights of a whole LayerNorm decoder (GPT-2, GPT-Neo, GPT-NeoX,
// Falcon, OPT); each model's header names its checkpoint's tensors.
struct LayerNormDecoder {
    const float* tokenEmbedding = nullptr;     // (vocab, embedWidth)
    const float* positionEmbedding = nullptr;  // (positions, dModel); null with rotary positions
    std::vector<LayerNormLayer> layers;
    const float* finalNormGain = nullptr;      // (dModel); null when absent (OPT post-LN)
    const float* finalNormBias = nullptr;
    Linear lmHead;                             // (embedWidth -> vocab)
};
// tiedHead: the LM head is the token embeddings (of width embedWidth).
LayerNormDecoder bindLayerNormDecoder(const BoundTensors& w, const ModelConfig& c, bool tiedHead, int embedWidth,
                                      WeightLayout layout = WeightLayout::Linear);

// Splits a fused projection whose row holds, per kv head g, [q of query
// heads g perGroup .. g perGroup + perGroup - 1 | k_g | v_g] (headDim each;
// Falcon; GPT-NeoX per head [q k v] is perGroup 1) into contiguous
// q (seqLen, nKvHeads perGroup headDim), k and v (seqLen, nKvHeads headDim).
void splitGroupedQkv(const RowMatrix& qkv, int nKvHeads, int perGroup, int headDim, RowMatrix& q, RowMatrix& k,
                     RowMatrix& v);

}  // namespace attnviz::core
