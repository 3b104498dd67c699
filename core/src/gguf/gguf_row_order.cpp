#include "gguf_row_order.h"

#include <cstring>

namespace attnviz::core {

void reorderRows(GgufRowOrder order, const float* src, float* dst, std::uint64_t rows, std::uint64_t rowLen,
                 std::uint64_t heads, bool toHuggingFace) {
    auto move = [&](std::uint64_t hfRow, std::uint64_t ggufRow) {
        const std::uint64_t from = toHuggingFace ? ggufRow : hfRow, to = toHuggingFace ? hfRow : ggufRow;
        std::memcpy(dst + to * rowLen, src + from * rowLen, rowLen * sizeof(float));
    };
    if (order == GgufRowOrder::LlamaRope) {
        // Within head h (hd rows): HF row a hd/2 + j is GGUF row 2j + a.
        const std::uint64_t hd = rows / heads, half = hd / 2;
        for (std::uint64_t h = 0; h < heads; ++h)
            for (std::uint64_t a = 0; a < 2; ++a)
                for (std::uint64_t j = 0; j < half; ++j) move(h * hd + a * half + j, h * hd + 2 * j + a);
    } else if (order == GgufRowOrder::NeoxQkv) {
        // HF row (h, t, j), t = q, k, v, is GGUF row (t, h, j).
        const std::uint64_t hd = rows / 3 / heads;
        for (std::uint64_t h = 0; h < heads; ++h)
            for (std::uint64_t t = 0; t < 3; ++t)
                for (std::uint64_t j = 0; j < hd; ++j) move((h * 3 + t) * hd + j, (t * heads + h) * hd + j);
    }
}

}  // namespace attnviz::core
