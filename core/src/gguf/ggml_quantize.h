// float32 -> ggml blocks for the types attnviz writes (make-model's GGUF
// files for tests and benchmarks): F32, F16, BF16, Q8_0, Q4_0, Q5_0, Q5_1,
// Q4_K, Q5_K, Q6_K, with ggml's reference quantisers (quantize_row_*_ref).
#pragma once

#include "attnviz/core/ggml_types.h"

#include <cstddef>

namespace attnviz::core {

bool ggmlCanQuantize(GgmlType type);
// `count` is a multiple of the type's block size; `dst` holds its bytes.
void quantizeGgml(GgmlType type, const float* src, std::size_t count, std::byte* dst);

}  // namespace attnviz::core
