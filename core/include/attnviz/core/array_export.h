// Attention probabilities as arrays numpy and PyTorch read directly: NPY
// (one float32 array, C order) or safetensors (one F32 tensor per head,
// "attention.<layer>.<head>"). One head (rows, cols), one layer
// (nHeads, rows, cols) or every head (nLayers, nHeads, rows, cols), written
// head by head: nothing but the trace is held in memory.
#pragma once

#include "attnviz/core/result.h"

#include <cstdio>
#include <functional>
#include <map>
#include <string>

namespace attnviz::core {

// Square self-attention (rows = cols = tokens) or cross-attention.
struct AttentionArrays {
    int nLayers = 0;
    int nHeads = 0;
    int rows = 0;
    int cols = 0;
    std::function<const float*(int layer, int head)> probs;  // (rows, cols), row-major
};

struct ArraySelection {
    enum class Scope { Head, Layer, All };
    Scope scope = Scope::Head;
    int layer = 0;  // Head, Layer
    int head = 0;   // Head
};

// The selection against the arrays' shape ("layer 7 is outside 0..5").
Status checkSelection(const AttentionArrays& arrays, const ArraySelection& selection);

// NPY format 1.0, '<f4'. False on a write error.
bool writeAttentionNpy(std::FILE* out, const AttentionArrays& arrays, const ArraySelection& selection);
// safetensors; `metadata` goes to __metadata__ (tokens, model, ...).
Status writeAttentionSafetensors(std::FILE* out, const std::string& name, const AttentionArrays& arrays,
                                 const ArraySelection& selection, const std::map<std::string, std::string>& metadata);

}  // namespace attnviz::core
