// llama-quantize's choice of tensor types for Q4_K_M, Q5_K_M and Q6_K, as
// llama.cpp (commit c392e509) src/llama-quant.cpp makes it for a dense
// model (no experts), restated:
//
// - Quantised at all: names ending in "weight" with 2 or more dimensions,
//   except "*_norm.weight", position_embd and token_types; the rest F32.
// - output.weight, and token_embd.weight when the file has no output.weight
//   (tied embeddings): Q6_K, or Q8_0 when its rows are not a multiple of 256.
// - Other tensors start from the file type's type: Q4_K (Q4_K_M), Q5_K
//   (Q5_K_M), Q6_K (Q6_K); then, for Q4_K_M and Q5_K_M, attn_v.weight and
//   ffn_down of layer i get Q6_K when use_more_bits(i, n_layers):
//       i < n/8 || i >= 7n/8 || (i - n/8) % 3 == 2        (integer division)
//   (for 32 layers: 0-3, 6, 9, ..., 27, 28-31, i.e. 16 of 32); a fused
//   attn_qkv.weight gets Q5_K (Q4_K_M) or Q6_K (Q5_K_M).
// - A type whose block does not divide the row length falls back: Q4_K to
//   Q5_0, Q5_K to Q5_1, Q6_K to Q8_0, and to F16 if that does not divide
//   it either (llama-quantize stops on a Q8_0 output that does not fit;
//   make-model writes F16 there).
// Not restated: the rules for experts, Falcon and 70B models (attn_v Q5_K),
// and imatrix-dependent choices (make-model's files have no imatrix).
#include "gguf_quant_mix.h"

#include <cstdlib>

namespace attnviz::core {
namespace {

bool endsWith(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

int layerOf(const std::string& name) {
    if (name.rfind("blk.", 0) != 0) return -1;
    return std::atoi(name.c_str() + 4);
}

bool useMoreBits(int i, int n) { return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2; }

GgmlType fallback(GgmlType type, std::uint64_t rowLength) {
    if (rowLength % ggmlTypeInfo(type).blockSize == 0) return type;
    switch (type) {
    case GgmlType::Q4_K: type = GgmlType::Q5_0; break;
    case GgmlType::Q5_K: type = GgmlType::Q5_1; break;
    case GgmlType::Q6_K: type = GgmlType::Q8_0; break;
    default: break;
    }
    return rowLength % ggmlTypeInfo(type).blockSize == 0 ? type : GgmlType::F16;
}

}  // namespace

GgufFileType ggufFileTypeOf(GgmlType type) {
    switch (type) {
    case GgmlType::F16: return GgufFileType::MostlyF16;
    case GgmlType::BF16: return GgufFileType::MostlyBF16;
    case GgmlType::Q8_0: return GgufFileType::MostlyQ8_0;
    case GgmlType::Q4_0: return GgufFileType::MostlyQ4_0;
    default: return GgufFileType::AllF32;
    }
}

GgmlType ggufTensorType(GgufFileType fileType, const std::string& name, const std::vector<std::uint64_t>& ne,
                        int nLayers, bool hasOutput) {
    // Position and token type tables stay F32 (llama.cpp's converter).
    const bool isPosition = contains(name, "position_embd") || contains(name, "token_types");
    GgmlType base = GgmlType::F32;
    switch (fileType) {
    case GgufFileType::AllF32: return GgmlType::F32;
    case GgufFileType::MostlyF16: base = GgmlType::F16; break;
    case GgufFileType::MostlyBF16: base = GgmlType::BF16; break;
    case GgufFileType::MostlyQ8_0: base = GgmlType::Q8_0; break;
    case GgufFileType::MostlyQ4_0: base = GgmlType::Q4_0; break;
    case GgufFileType::MostlyQ4_K_M: base = GgmlType::Q4_K; break;
    case GgufFileType::MostlyQ5_K_M: base = GgmlType::Q5_K; break;
    case GgufFileType::MostlyQ6_K: base = GgmlType::Q6_K; break;
    }
    if (ne.size() < 2 || ne[0] == 0 || isPosition) return GgmlType::F32;
    const bool kMix = base == GgmlType::Q4_K || base == GgmlType::Q5_K || base == GgmlType::Q6_K;
    if (!kMix) {
        // make-model's plain types: every 2-D weight whose rows hold whole blocks.
        return ne[0] % ggmlTypeInfo(base).blockSize == 0 ? base : GgmlType::F32;
    }
    if (!endsWith(name, "weight") || endsWith(name, "_norm.weight") || contains(name, "token_types")) {
        return GgmlType::F32;
    }
    GgmlType type = base;
    if (name == "output.weight" || (!hasOutput && name == "token_embd.weight")) {
        type = ne[0] % 256 != 0 ? GgmlType::Q8_0 : GgmlType::Q6_K;
    } else if (contains(name, "attn_v.weight") || contains(name, "ffn_down")) {
        if (fileType != GgufFileType::MostlyQ6_K && useMoreBits(layerOf(name), nLayers)) type = GgmlType::Q6_K;
    } else if (contains(name, "attn_qkv.weight")) {
        if (fileType == GgufFileType::MostlyQ4_K_M) type = GgmlType::Q5_K;
        if (fileType == GgufFileType::MostlyQ5_K_M) type = GgmlType::Q6_K;
    }
    return fallback(type, ne[0]);
}

}  // namespace attnviz::core
