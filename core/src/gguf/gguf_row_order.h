// The row reorderings llama.cpp's converter applies to some tensors
// (GgufRowOrder), in both directions: GGUF -> Hugging Face when loading,
// Hugging Face -> GGUF when make-model writes a GGUF file.
#pragma once

#include "gguf_architectures.h"

#include <cstdint>

namespace attnviz::core {

// `src` and `dst` hold `rows` rows of `rowLen` floats; `heads` is the head
// count the reordering is per (Q: query heads, K: kv heads). LlamaRope and
// NeoxQkv only.
void reorderRows(GgufRowOrder order, const float* src, float* dst, std::uint64_t rows, std::uint64_t rowLen,
                 std::uint64_t heads, bool toHuggingFace);

}  // namespace attnviz::core
