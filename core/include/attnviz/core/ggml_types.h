// ggml tensor types as stored in GGUF files, and their dequantisation to
// float32, value for value what ggml's dequantize_row_* (and gguf-py's
// dequantize) compute: the same float32 expressions in the same order.
//
//   const GgmlTypeInfo* t = ggmlTypeInfo(raw);   // null: unknown type number
//   if (t && t->supported) dequantizeGgml(t->type, bytes, count, out);
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace attnviz::core {

// Numbers as in ggml.h (enum ggml_type); only these may appear in a file.
enum class GgmlType : std::uint32_t {
    F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3,
    Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
    Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
    IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20,
    IQ3_S = 21, IQ2_S = 22, IQ4_XS = 23,
    I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, IQ1_M = 29,
    BF16 = 30, TQ1_0 = 34, TQ2_0 = 35,
};

struct GgmlTypeInfo {
    GgmlType type;
    std::string_view name;      // "Q4_K", as ggml and gguf-py name it
    std::uint32_t blockSize;    // elements per block (1 for F32/F16/BF16)
    std::uint32_t blockBytes;   // bytes per block
    bool supported;             // dequantizeGgml handles it
};

// Null for a number ggml does not define.
const GgmlTypeInfo* ggmlTypeInfo(std::uint32_t rawType);
const GgmlTypeInfo& ggmlTypeInfo(GgmlType type);

// Dequantises `count` elements (a multiple of the type's block size) that
// start at `src` (any alignment) into `dst`. `type` must be supported.
void dequantizeGgml(GgmlType type, const std::byte* src, std::size_t count, float* dst);

}  // namespace attnviz::core
