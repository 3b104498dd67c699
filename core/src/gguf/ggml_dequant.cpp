// ggml block layouts (ggml-common.h) and their dequantisation, each value
// the same float32 expression, in the same order, as ggml's reference
// dequantize_row_* and gguf-py's dequantize (this file is compiled without
// FMA contraction, see core/CMakeLists.txt).
#include "attnviz/core/ggml_types.h"

#include "attnviz/core/dtype.h"

#include <cstdint>
#include <cstring>

namespace attnviz::core {
namespace {

using u8 = std::uint8_t;

float half(const u8* p) {
    std::uint16_t h;
    std::memcpy(&h, p, 2);
    return halfToFloat(h);
}

// Q4_0, 18 bytes per 32: fp16 d; 16 bytes, element j in the low nibble of
// byte j, element j + 16 in its high nibble; x = (q - 8) d.
void q4_0(const u8* b, float* y) {
    const float d = half(b);
    for (int j = 0; j < 16; ++j) {
        y[j] = static_cast<float>((b[2 + j] & 0x0F) - 8) * d;
        y[j + 16] = static_cast<float>((b[2 + j] >> 4) - 8) * d;
    }
}

// Q4_1, 20 bytes: fp16 d, fp16 m, nibbles as Q4_0; x = q d + m.
void q4_1(const u8* b, float* y) {
    const float d = half(b), m = half(b + 2);
    for (int j = 0; j < 16; ++j) {
        y[j] = static_cast<float>(b[4 + j] & 0x0F) * d + m;
        y[j + 16] = static_cast<float>(b[4 + j] >> 4) * d + m;
    }
}

// Q5_0, 22 bytes: fp16 d, u32 of fifth bits (bit j for element j), nibbles;
// x = (q - 16) d.
void q5_0(const u8* b, float* y) {
    const float d = half(b);
    std::uint32_t qh;
    std::memcpy(&qh, b + 2, 4);
    for (int j = 0; j < 16; ++j) {
        const int h0 = ((qh >> j) << 4) & 0x10;
        const int h1 = (qh >> (j + 12)) & 0x10;
        y[j] = static_cast<float>(((b[6 + j] & 0x0F) | h0) - 16) * d;
        y[j + 16] = static_cast<float>(((b[6 + j] >> 4) | h1) - 16) * d;
    }
}

// Q5_1, 24 bytes: fp16 d, fp16 m, fifth bits, nibbles; x = q d + m.
void q5_1(const u8* b, float* y) {
    const float d = half(b), m = half(b + 2);
    std::uint32_t qh;
    std::memcpy(&qh, b + 4, 4);
    for (int j = 0; j < 16; ++j) {
        const int h0 = ((qh >> j) << 4) & 0x10;
        const int h1 = (qh >> (j + 12)) & 0x10;
        y[j] = static_cast<float>((b[8 + j] & 0x0F) | h0) * d + m;
        y[j + 16] = static_cast<float>((b[8 + j] >> 4) | h1) * d + m;
    }
}

// Q8_0, 34 bytes: fp16 d, 32 int8; x = q d.
void q8_0(const u8* b, float* y) {
    const float d = half(b);
    for (int j = 0; j < 32; ++j) y[j] = static_cast<float>(static_cast<std::int8_t>(b[2 + j])) * d;
}

// Q2_K, 84 bytes per 256: scales[16] (low nibble scale, high nibble min),
// qs[64] (2 bits), fp16 d, fp16 dmin.
void q2_K(const u8* b, float* y) {
    const u8* scales = b;
    const u8* q = b + 16;
    const float d = half(b + 80), min = half(b + 82);
    int is = 0;
    for (int n = 0; n < 256; n += 128) {
        int shift = 0;
        for (int j = 0; j < 4; ++j) {
            for (int part = 0; part < 2; ++part) {
                const u8 sc = scales[is++];
                const float dl = d * static_cast<float>(sc & 0xF), ml = min * static_cast<float>(sc >> 4);
                for (int l = 0; l < 16; ++l) {
                    *y++ = dl * static_cast<float>((q[l + 16 * part] >> shift) & 3) - ml;
                }
            }
            shift += 2;
        }
        q += 32;
    }
}

// Q3_K, 110 bytes: hmask[32] (third bit), qs[64] (low 2 bits), 12 bytes of
// 16 six-bit scales, fp16 d; x = d (scale - 32) (q - (high bit ? 0 : 4)).
void q3_K(const u8* b, float* y) {
    const u8* hm = b;
    const u8* q = b + 32;
    const float dAll = half(b + 108);
    constexpr std::uint32_t kmask1 = 0x03030303, kmask2 = 0x0f0f0f0f;
    std::uint32_t aux[4];
    std::memcpy(aux, b + 96, 12);
    const std::uint32_t tmp = aux[2];
    aux[2] = ((aux[0] >> 4) & kmask2) | (((tmp >> 4) & kmask1) << 4);
    aux[3] = ((aux[1] >> 4) & kmask2) | (((tmp >> 6) & kmask1) << 4);
    aux[0] = (aux[0] & kmask2) | (((tmp >> 0) & kmask1) << 4);
    aux[1] = (aux[1] & kmask2) | (((tmp >> 2) & kmask1) << 4);
    std::int8_t scales[16];
    std::memcpy(scales, aux, 16);
    int is = 0;
    u8 m = 1;
    for (int n = 0; n < 256; n += 128) {
        int shift = 0;
        for (int j = 0; j < 4; ++j) {
            for (int part = 0; part < 2; ++part) {
                const float dl = dAll * static_cast<float>(scales[is++] - 32);
                for (int l = 16 * part; l < 16 * part + 16; ++l) {
                    const int v = ((q[l] >> shift) & 3) - ((hm[l] & m) ? 0 : 4);
                    *y++ = dl * static_cast<float>(v);
                }
            }
            shift += 2;
            m = static_cast<u8>(m << 1);
        }
        q += 32;
    }
}

// The 6-bit scale and min of sub-block j packed in 12 bytes (Q4_K, Q5_K).
void scaleMinK4(int j, const u8* q, u8& d, u8& m) {
    if (j < 4) {
        d = q[j] & 63;
        m = q[j + 4] & 63;
    } else {
        d = static_cast<u8>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        m = static_cast<u8>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

// Q4_K, 144 bytes: fp16 d, fp16 dmin, 12 bytes of scales/mins, qs[128];
// x = (d sc) q - (dmin m) per 32 elements.
void q4_K(const u8* b, float* y) {
    const float d = half(b), min = half(b + 2);
    const u8* scales = b + 4;
    const u8* q = b + 16;
    int is = 0;
    for (int j = 0; j < 256; j += 64) {
        u8 sc, m;
        scaleMinK4(is, scales, sc, m);
        const float d1 = d * static_cast<float>(sc), m1 = min * static_cast<float>(m);
        scaleMinK4(is + 1, scales, sc, m);
        const float d2 = d * static_cast<float>(sc), m2 = min * static_cast<float>(m);
        for (int l = 0; l < 32; ++l) *y++ = d1 * static_cast<float>(q[l] & 0xF) - m1;
        for (int l = 0; l < 32; ++l) *y++ = d2 * static_cast<float>(q[l] >> 4) - m2;
        q += 32;
        is += 2;
    }
}

// Q5_K, 176 bytes: fp16 d, fp16 dmin, 12 bytes of scales/mins, qh[32]
// (fifth bits), qs[128].
void q5_K(const u8* b, float* y) {
    const float d = half(b), min = half(b + 2);
    const u8* scales = b + 4;
    const u8* qh = b + 16;
    const u8* ql = b + 48;
    int is = 0;
    u8 u1 = 1, u2 = 2;
    for (int j = 0; j < 256; j += 64) {
        u8 sc, m;
        scaleMinK4(is, scales, sc, m);
        const float d1 = d * static_cast<float>(sc), m1 = min * static_cast<float>(m);
        scaleMinK4(is + 1, scales, sc, m);
        const float d2 = d * static_cast<float>(sc), m2 = min * static_cast<float>(m);
        for (int l = 0; l < 32; ++l) *y++ = d1 * static_cast<float>((ql[l] & 0xF) + ((qh[l] & u1) ? 16 : 0)) - m1;
        for (int l = 0; l < 32; ++l) *y++ = d2 * static_cast<float>((ql[l] >> 4) + ((qh[l] & u2) ? 16 : 0)) - m2;
        ql += 32;
        is += 2;
        u1 = static_cast<u8>(u1 << 2);
        u2 = static_cast<u8>(u2 << 2);
    }
}

// Q6_K, 210 bytes: ql[128] (low 4 bits), qh[64] (high 2 bits), int8
// scales[16], fp16 d; x = (d sc) (q - 32).
void q6_K(const u8* b, float* y) {
    const u8* ql = b;
    const u8* qh = b + 128;
    const auto* sc = reinterpret_cast<const std::int8_t*>(b + 192);
    const float d = half(b + 208);
    for (int n = 0; n < 256; n += 128) {
        for (int l = 0; l < 32; ++l) {
            const int is = l / 16;
            const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
            const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
            const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            y[l] = d * static_cast<float>(sc[is]) * static_cast<float>(q1);
            y[l + 32] = d * static_cast<float>(sc[is + 2]) * static_cast<float>(q2);
            y[l + 64] = d * static_cast<float>(sc[is + 4]) * static_cast<float>(q3);
            y[l + 96] = d * static_cast<float>(sc[is + 6]) * static_cast<float>(q4);
        }
        y += 128;
        ql += 64;
        qh += 32;
        sc += 8;
    }
}

template <void (*Block)(const u8*, float*), int Elements, int Bytes>
void blocks(const std::byte* src, std::size_t count, float* dst) {
    const auto* b = reinterpret_cast<const u8*>(src);
    for (std::size_t i = 0; i < count / Elements; ++i) Block(b + i * Bytes, dst + i * Elements);
}

}  // namespace

void dequantizeGgml(GgmlType type, const std::byte* src, std::size_t count, float* dst) {
    switch (type) {
    case GgmlType::F32: std::memcpy(dst, src, count * sizeof(float)); return;
    case GgmlType::F16: convertToFloat(DType::F16, src, count, dst); return;
    case GgmlType::BF16: convertToFloat(DType::BF16, src, count, dst); return;
    case GgmlType::Q4_0: blocks<q4_0, 32, 18>(src, count, dst); return;
    case GgmlType::Q4_1: blocks<q4_1, 32, 20>(src, count, dst); return;
    case GgmlType::Q5_0: blocks<q5_0, 32, 22>(src, count, dst); return;
    case GgmlType::Q5_1: blocks<q5_1, 32, 24>(src, count, dst); return;
    case GgmlType::Q8_0: blocks<q8_0, 32, 34>(src, count, dst); return;
    case GgmlType::Q2_K: blocks<q2_K, 256, 84>(src, count, dst); return;
    case GgmlType::Q3_K: blocks<q3_K, 256, 110>(src, count, dst); return;
    case GgmlType::Q4_K: blocks<q4_K, 256, 144>(src, count, dst); return;
    case GgmlType::Q5_K: blocks<q5_K, 256, 176>(src, count, dst); return;
    case GgmlType::Q6_K: blocks<q6_K, 256, 210>(src, count, dst); return;
    default: return;  // callers check ggmlTypeInfo(type).supported
    }
}

}  // namespace attnviz::core
