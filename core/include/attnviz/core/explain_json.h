// The JSON form of one explained row (layer_capture.h), shared by
// `attnviz-cli explain` and the Explain view's JSON export:
// {"model", "tokens", "mask", ("attention", "query_tokens",) "layer", "head", "query", "kv_head",
//  "scale_rule", "scale", "softcap", "x" [d_model],
//  ("q_before_rope" [d_head], "k_before_rope" [T][d_head],)
//  "q" [d_head], "k" [T][d_head], "v" [T][d_head], "scores" [T],
//  "scaled" [T], ("position_bias" [T],) "masked" [T] (null where masked),
//  "probabilities" [T], "output" [d_head]}
// Floats are printed with %.9g so they round-trip float32 exactly.
#pragma once

#include "attnviz/core/layer_capture.h"

#include <cstdio>
#include <string>
#include <vector>

namespace attnviz::core {

struct ExplainJsonHeader {
    std::string model;
    std::vector<std::string> tokens;  // display text of each key
    std::string mask;                 // the mask the run used
    // Encoder-decoder runs: which attention ("encoder", "decoder" or
    // "cross"); cross-attention also names its queries (the decoder's
    // tokens), its keys being the source's. Omitted when empty.
    std::string attention;
    std::vector<std::string> queryTokens;
};

// Returns false on a write error.
bool writeExplainJson(std::FILE* out, const ExplainJsonHeader& header, const ExplainedRow& row);

}  // namespace attnviz::core
