// A trace file: the attention of one run, computed by attnviz or elsewhere
// (tools/hf_trace.py), stored so attnviz can show and analyse it without the
// model. A .safetensors file (docs/trace-format.md):
//   tensors  "attention.<layer>"  F32 or F16, shape (n_heads, seq_len, seq_len),
//            row = query, column = key, post-softmax;
//   __metadata__ {"attnviz.trace": "<JSON header>"} with the format version,
//            tokens, model name and type, mask, layer kinds and counts.
//
//   auto file = readTraceFile("run.safetensors");
//   if (!file) return fail(file.error());
//   std::shared_ptr<const RunResult> result = runResultFromTrace(*file);
#pragma once

#include "attnviz/core/attention_trace.h"
#include "attnviz/core/dtype.h"
#include "attnviz/core/mask_mode.h"
#include "attnviz/core/result.h"
#include "attnviz/core/run_result.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace attnviz::core {

inline constexpr int kTraceFormatVersion = 1;
inline constexpr const char* kTraceMetadataKey = "attnviz.trace";

// What a trace file says about its run beside the attention itself.
struct TraceFileHeader {
    int version = kTraceFormatVersion;
    std::string producer;      // "attnviz-cli 0.1.0", "tools/hf_trace.py (transformers 4.46.0)"
    std::string model;         // display name
    std::string modelType;     // config.json's model_type
    std::string architecture;  // config.json's architectures[0], "" when unknown
    std::string requestedMask; // as asked: "default", "causal", ...
    MaskMode defaultMask;      // the mask the model was trained with (concrete)
    int nKvHeads = 0;
    std::vector<Token> tokens;  // id, display, special (seq_len entries)
};

struct TraceFile {
    std::filesystem::path path;
    TraceFileHeader header;
    DType dtype = DType::F32;  // how the probabilities were stored
    // Probabilities only; mask, layer kinds, global tokens, token ids and
    // token types set as in the file.
    std::shared_ptr<const AttentionTrace> trace;
};

// Writes `trace` (its probabilities, mask and layers) with `header` as
// `dtype` (F32 or F16). Token ids and types come from the trace.
Status writeTraceFile(const std::filesystem::path& path, const TraceFileHeader& header, const AttentionTrace& trace,
                      DType dtype);
// The same into an open stream; `name` names it in errors.
Status writeTraceFile(std::FILE* out, const std::string& name, const TraceFileHeader& header,
                      const AttentionTrace& trace, DType dtype);

// The header of a run's result: model name and type, masks, tokens and
// (with the model) its kv heads. `producer` names the writer.
TraceFileHeader traceFileHeader(const RunResult& result, std::string producer);

// Reads and validates a trace file: the header's keys and types, counts and
// shapes against each other, the tensors' dtype and shape, every value finite
// and in [0, 1], each row summing to 1 and masked entries 0. Errors name the
// file and the field.
Result<TraceFile> readTraceFile(const std::filesystem::path& path);

// Why features that re-run the model are off for a trace.
inline constexpr const char* kTraceCannotRerun = "this is a trace computed elsewhere; attnviz cannot re-run it";

// A RunResult the views and analyses read as they read a run's: no model,
// head statistics computed from the trace, induction and predictions
// unavailable (kTraceCannotRerun), defaultTrace == trace when the file's mask
// is the model's own (else null).
std::shared_ptr<const RunResult> runResultFromTrace(const TraceFile& file);

}  // namespace attnviz::core
