// Which ggml type each tensor of a GGUF file gets for a llama.cpp file type
// (`general.file_type`): for the K-quant mixes the rule of llama.cpp's
// llama-quantize (src/llama-quant.cpp, llama_tensor_get_type), for the plain
// types make-model's own rule (every 2-D weight in that type).
#pragma once

#include "attnviz/core/ggml_types.h"
#include "attnviz/core/gguf_model.h"

#include <cstdint>
#include <string>
#include <vector>

namespace attnviz::core {

// The file type whose tensors are all `type` (F32, F16, BF16, Q8_0, Q4_0).
GgufFileType ggufFileTypeOf(GgmlType type);

// The type of tensor `name` (GGUF name, `ne` its shape, ne[0] the row
// length) in a file of `fileType` for a model of `nLayers` blocks;
// `hasOutput`: the file has its own output.weight (else token_embd is the
// tied output matrix).
GgmlType ggufTensorType(GgufFileType fileType, const std::string& name, const std::vector<std::uint64_t>& ne,
                        int nLayers, bool hasOutput);

}  // namespace attnviz::core
