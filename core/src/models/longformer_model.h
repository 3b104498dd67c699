// Longformer (LongformerForMaskedLM / LongformerModel): RoBERTa's embeddings
// and post-LN layers (BertModel runs them) with banded attention: in layer l
// an ordinary query i sees the keys |i - j| <= attention_window[l] / 2 plus
// every global token, through the ordinary query / key / value projections
// (multiHeadAttention does this from the trace's layer mask); a global token
// g attends every key through its own projections query_global, key_global
// and value_global, and that result replaces row g. This file holds the
// second part.
//
// Hugging Face pads the input to a multiple of the window (pad id, attention
// mask 0) and cuts the output back; padded keys never receive weight, so
// running at the input's own length gives the same numbers.
#pragma once

#include "attnviz/core/attention_kernel.h"
#include "attnviz/core/attention_trace.h"
#include "attnviz/core/ops.h"

namespace attnviz::core {

// One layer's projections of global attention, (dModel -> dModel) each.
struct LongformerGlobalProjections {
    Linear query, key, value;
    bool present() const { return query.weight != nullptr; }
};

// Rows of the global tokens: for each global token g and head h, scores
// query_global(x_g) . key_global(x_j) * scale over the keys the layer mask
// lets g see (all of them unless a causal override holds), softmax, values
// value_global(x_j). Overwrites row g of the trace's probabilities (and raw
// scores when recorded) and of `context` (seqLen, nHeads headDim), which
// multiHeadAttention filled for every row. `x` (seqLen, dModel) is the
// layer's input.
void longformerGlobalAttention(const RowMatrix& x, const LongformerGlobalProjections& global,
                               const HeadLayout& heads, int layer, AttentionTrace& trace, RowMatrix& context);

}  // namespace attnviz::core
