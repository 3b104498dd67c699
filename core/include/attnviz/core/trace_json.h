// The JSON form of a trace, the contract shared by `attnviz-cli attention`
// and the GUI's JSON export:
// {"model", "model_type", "mask", "effective_mask", "tokens": [{"id", "text"}],
//  "token_type_ids": [...] | null, "n_layers", "n_heads", "seq_len",
//  "attention": [L][H][T][T]  (row = query, column = key),
//  "scores": [L][H][T][T]     (only with scores; masked entries are null)}
// Floats are printed with %.9g so they round-trip float32 exactly.
#pragma once

#include "attnviz/core/attention_trace.h"

#include <cstdio>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace attnviz::core {

struct TraceJsonHeader {
    std::string model;
    std::string modelType;
    std::string requestedMask;          // as the user asked: "default", "causal", ...
    std::vector<std::string> tokenTexts;  // display text of each token
};

// Writes to an open stdio stream (fast for large traces). Returns false on a
// write error. With `heads` (valid (layer, head) pairs) only those heads are
// written, as "heads": [{"layer", "head", "attention": [T][T] (, "scores":
// [T][T])}] in place of "attention" and "scores".
bool writeTraceJson(std::FILE* out, const TraceJsonHeader& header, const AttentionTrace& trace, bool withScores,
                    const std::vector<std::pair<int, int>>* heads = nullptr);

// [L][H][rows][cols] of probs(layer, head) (rows, cols), %.9g each.
void writeAttentionArray(std::FILE* out, int nLayers, int nHeads, int rows, int cols,
                         const std::function<const float*(int layer, int head)>& probs);
void writeAttentionArray(std::FILE* out, const AttentionTrace& trace);

// Appends a JSON string literal (with quotes), escaping as RFC 8259 requires.
void appendJsonString(std::string& out, const std::string& text);
// ,"layer_kinds":["global","local:4",...],"global_tokens":[0]
void appendLayerKindsJson(std::string& out, const AttentionTrace& trace);

}  // namespace attnviz::core
