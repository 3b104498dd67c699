// The K-quant encoders (ggml_quantize_k.cpp); quantizeGgml dispatches to them.
// `count` is a multiple of 256; `out` holds count / 256 blocks.
#pragma once

#include <cstddef>

namespace attnviz::core {

void quantizeQ4K(const float* x, std::size_t count, std::byte* out);
void quantizeQ5K(const float* x, std::size_t count, std::byte* out);
void quantizeQ6K(const float* x, std::size_t count, std::byte* out);

}  // namespace attnviz::core
