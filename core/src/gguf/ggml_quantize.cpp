#include "ggml_quantize.h"

#include "attnviz/core/safetensors_writer.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace attnviz::core {
namespace {

void putHalf(std::byte* p, float v) {
    const std::uint16_t h = floatToHalf(v);
    std::memcpy(p, &h, 2);
}

// Block: fp16 d, 32 int8 q; x = d q.
void quantizeQ8_0(const float* x, std::size_t count, std::byte* out) {
    for (std::size_t b = 0; b < count / 32; ++b, x += 32, out += 34) {
        float amax = 0.0f;
        for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[j]));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        putHalf(out, d);
        for (int j = 0; j < 32; ++j) out[2 + j] = static_cast<std::byte>(static_cast<std::int8_t>(std::round(x[j] * id)));
    }
}

// Block: fp16 d, 16 bytes of 4-bit q (element j low nibble, j + 16 high);
// x = d (q - 8), d from the value of largest magnitude, / -8.
void quantizeQ4_0(const float* x, std::size_t count, std::byte* out) {
    for (std::size_t b = 0; b < count / 32; ++b, x += 32, out += 18) {
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < 32; ++j) {
            if (std::fabs(x[j]) > amax) {
                amax = std::fabs(x[j]);
                max = x[j];
            }
        }
        const float d = max / -8.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        putHalf(out, d);
        for (int j = 0; j < 16; ++j) {
            const auto lo = std::min<std::int8_t>(15, static_cast<std::int8_t>(x[j] * id + 8.5f));
            const auto hi = std::min<std::int8_t>(15, static_cast<std::int8_t>(x[16 + j] * id + 8.5f));
            out[2 + j] = static_cast<std::byte>(static_cast<std::uint8_t>(lo) | (static_cast<std::uint8_t>(hi) << 4));
        }
    }
}

}  // namespace

bool ggmlCanQuantize(GgmlType type) {
    switch (type) {
    case GgmlType::F32: case GgmlType::F16: case GgmlType::BF16: case GgmlType::Q8_0: case GgmlType::Q4_0: return true;
    default: return false;
    }
}

void quantizeGgml(GgmlType type, const float* src, std::size_t count, std::byte* dst) {
    switch (type) {
    case GgmlType::F32: std::memcpy(dst, src, count * sizeof(float)); return;
    case GgmlType::F16:
        for (std::size_t i = 0; i < count; ++i) putHalf(dst + 2 * i, src[i]);
        return;
    case GgmlType::BF16:
        for (std::size_t i = 0; i < count; ++i) {
            const std::uint16_t h = floatToBfloat16(src[i]);
            std::memcpy(dst + 2 * i, &h, 2);
        }
        return;
    case GgmlType::Q8_0: quantizeQ8_0(src, count, dst); return;
    case GgmlType::Q4_0: quantizeQ4_0(src, count, dst); return;
    default: return;
    }
}

}  // namespace attnviz::core
