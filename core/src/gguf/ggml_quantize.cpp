#include "ggml_quantize.h"

#include "ggml_quantize_k.h"

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

// The fifth bits of a Q5_0/Q5_1 block: bit j for element j, bit j + 16 for
// element j + 16; the low nibbles as Q4_0.
void packFiveBits(const std::uint8_t* q, std::byte* qhOut, std::byte* qs) {
    std::uint32_t qh = 0;
    for (int j = 0; j < 16; ++j) {
        qs[j] = static_cast<std::byte>((q[j] & 0x0F) | ((q[16 + j] & 0x0F) << 4));
        qh |= ((q[j] & 0x10u) >> 4) << j;
        qh |= ((q[16 + j] & 0x10u) >> 4) << (j + 16);
    }
    std::memcpy(qhOut, &qh, 4);
}

// Q5_0, 22 bytes per 32: fp16 d, u32 fifth bits, 16 bytes of nibbles;
// x = d (q - 16), d from the value of largest magnitude, / -16.
void quantizeQ5_0(const float* x, std::size_t count, std::byte* out) {
    for (std::size_t b = 0; b < count / 32; ++b, x += 32, out += 22) {
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < 32; ++j) {
            if (amax < std::fabs(x[j])) {
                amax = std::fabs(x[j]);
                max = x[j];
            }
        }
        const float d = max / -16;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        putHalf(out, d);
        std::uint8_t q[32];
        for (int j = 0; j < 32; ++j) {
            q[j] = static_cast<std::uint8_t>(std::min<std::int8_t>(31, static_cast<std::int8_t>(x[j] * id + 16.5f)));
        }
        packFiveBits(q, out + 2, out + 6);
    }
}

// Q5_1, 24 bytes per 32: fp16 d, fp16 m, u32 fifth bits, nibbles;
// x = d q + m with m the block minimum and d = (max - min) / 31.
void quantizeQ5_1(const float* x, std::size_t count, std::byte* out) {
    for (std::size_t b = 0; b < count / 32; ++b, x += 32, out += 24) {
        float min = x[0], max = x[0];
        for (int j = 1; j < 32; ++j) {
            if (x[j] < min) min = x[j];
            if (x[j] > max) max = x[j];
        }
        const float d = (max - min) / 31;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        putHalf(out, d);
        putHalf(out + 2, min);
        std::uint8_t q[32];
        for (int j = 0; j < 32; ++j) q[j] = static_cast<std::uint8_t>((x[j] - min) * id + 0.5f);
        packFiveBits(q, out + 4, out + 8);
    }
}

}  // namespace

bool ggmlCanQuantize(GgmlType type) {
    switch (type) {
    case GgmlType::F32: case GgmlType::F16: case GgmlType::BF16: case GgmlType::Q8_0: case GgmlType::Q4_0:
    case GgmlType::Q5_0: case GgmlType::Q5_1: case GgmlType::Q4_K: case GgmlType::Q5_K: case GgmlType::Q6_K:
        return true;
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
    case GgmlType::Q5_0: quantizeQ5_0(src, count, dst); return;
    case GgmlType::Q5_1: quantizeQ5_1(src, count, dst); return;
    case GgmlType::Q4_K: quantizeQ4K(src, count, dst); return;
    case GgmlType::Q5_K: quantizeQ5K(src, count, dst); return;
    case GgmlType::Q6_K: quantizeQ6K(src, count, dst); return;
    default: return;
    }
}

}  // namespace attnviz::core
