// float32 -> the K-quant super-blocks Q4_K, Q5_K and Q6_K (256 elements),
// computed as ggml's reference quantisers compute them (ggml-quants.c,
// quantize_row_q{4,5,6}_K_ref with make_qkx2_quants / make_qx_quants, what
// llama-quantize writes when no importance matrix is given): the same float32
// expressions in the same order, so the blocks are the same bytes. Compiled
// without FMA contraction (core/CMakeLists.txt). Block layouts: ggml-common.h,
// and ggml_dequant.cpp for the inverse.
#include "ggml_quantize_k.h"

#include "attnviz/core/safetensors_writer.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace attnviz::core {
namespace {

using u8 = std::uint8_t;

// Round to nearest, ties to even, as ggml does it: adding 1.5 * 2^23 leaves
// the rounded integer in the low mantissa bits (exact for |v| <= 2^22 - 1).
int nearestInt(float v) {
    const float shifted = v + 12582912.0f;
    std::int32_t bits;
    std::memcpy(&bits, &shifted, 4);
    return (bits & 0x007fffff) - 0x00400000;
}

float halfValue(std::uint16_t h) {
    // Exact fp16 -> fp32 (normal, subnormal and zero; the quantisers write
    // no inf or NaN scales for finite input).
    const int exponent = (h >> 10) & 0x1f;
    const int mantissa = h & 0x3ff;
    const float magnitude = exponent == 0 ? std::ldexp(static_cast<float>(mantissa), -24)
                                          : std::ldexp(static_cast<float>(mantissa | 0x400), exponent - 25);
    return (h & 0x8000) ? -magnitude : magnitude;
}

std::uint16_t putHalf(u8* p, float v) {
    const std::uint16_t h = floatToHalf(v);
    std::memcpy(p, &h, 2);
    return h;
}

constexpr float kGroupMaxEps = 1e-15f;  // ggml's GROUP_MAX_EPS

// make_qkx2_quants: levels L in [0, nmax] with x ~ scale L - theMin for one
// sub-block of n values, minimising the weighted squared error over nstep + 1
// trial scales (rmin + rdelta is + nmax) / (max - min). Returns the scale.
float fitScaleAndMin(int n, int nmax, const float* x, const float* weights, u8* L, float* theMin, u8* Laux,
                     float rmin, float rdelta, int nstep) {
    float min = x[0], max = x[0];
    float sumW = weights[0];
    float sumX = sumW * x[0];
    for (int i = 1; i < n; ++i) {
        if (x[i] < min) min = x[i];
        if (x[i] > max) max = x[i];
        const float w = weights[i];
        sumW += w;
        sumX += w * x[i];
    }
    if (min > 0) min = 0;
    if (max == min) {
        for (int i = 0; i < n; ++i) L[i] = 0;
        *theMin = -min;
        return 0.0f;
    }
    float iscale = static_cast<float>(nmax) / (max - min);
    float scale = 1 / iscale;
    float bestError = 0;
    for (int i = 0; i < n; ++i) {
        const int l = nearestInt(iscale * (x[i] - min));
        L[i] = static_cast<u8>(std::max(0, std::min(nmax, l)));
        float diff = scale * static_cast<float>(L[i]) + min - x[i];
        diff = diff * diff;
        bestError += weights[i] * diff;
    }
    for (int is = 0; is <= nstep; ++is) {
        iscale = (rmin + rdelta * static_cast<float>(is) + static_cast<float>(nmax)) / (max - min);
        float sumL = 0, sumL2 = 0, sumXL = 0;
        for (int i = 0; i < n; ++i) {
            int l = nearestInt(iscale * (x[i] - min));
            l = std::max(0, std::min(nmax, l));
            Laux[i] = static_cast<u8>(l);
            const float w = weights[i];
            const float lf = static_cast<float>(l);
            sumL += w * lf;
            sumL2 += w * lf * lf;
            sumXL += w * lf * x[i];
        }
        const float D = sumW * sumL2 - sumL * sumL;
        if (D > 0) {
            float thisScale = (sumW * sumXL - sumX * sumL) / D;
            float thisMin = (sumL2 * sumX - sumL * sumXL) / D;
            if (thisMin > 0) {
                thisMin = 0;
                thisScale = sumXL / sumL2;
            }
            float error = 0;
            for (int i = 0; i < n; ++i) {
                float diff = thisScale * static_cast<float>(Laux[i]) + thisMin - x[i];
                diff = diff * diff;
                error += weights[i] * diff;
            }
            if (error < bestError) {
                std::copy(Laux, Laux + n, L);
                bestError = error;
                scale = thisScale;
                min = thisMin;
            }
        }
    }
    *theMin = -min;
    return scale;
}

// make_qx_quants with rmse_type 1 (weights x^2) and no importance weights:
// signed levels L - nmax in [-nmax, nmax - 1], x ~ scale (L - nmax), the best
// of 19 trial inverse scales -(nmax + 0.1 is) / max. Returns the scale.
float fitSymmetricScale(int n, int nmax, const float* x, std::int8_t* L) {
    float max = 0, amax = 0;
    for (int i = 0; i < n; ++i) {
        const float ax = std::fabs(x[i]);
        if (ax > amax) {
            amax = ax;
            max = x[i];
        }
    }
    if (amax < kGroupMaxEps) {
        for (int i = 0; i < n; ++i) L[i] = 0;
        return 0.0f;
    }
    const auto level = [nmax](float v) { return std::max(-nmax, std::min(nmax - 1, nearestInt(v))); };
    float iscale = static_cast<float>(-nmax) / max;
    float sumLX = 0, sumL2 = 0;
    for (int i = 0; i < n; ++i) {
        const int l = level(iscale * x[i]);
        L[i] = static_cast<std::int8_t>(l + nmax);
        const float w = x[i] * x[i];
        const float lf = static_cast<float>(l);
        sumLX += w * x[i] * lf;
        sumL2 += w * lf * lf;
    }
    float scale = sumL2 != 0.0f ? sumLX / sumL2 : 0.0f;
    float best = scale * sumLX;
    for (int is = -9; is <= 9; ++is) {
        if (is == 0) continue;
        iscale = -(static_cast<float>(nmax) + 0.1f * static_cast<float>(is)) / max;
        sumLX = sumL2 = 0;
        for (int i = 0; i < n; ++i) {
            const float lf = static_cast<float>(level(iscale * x[i]));
            const float w = x[i] * x[i];
            sumLX += w * x[i] * lf;
            sumL2 += w * lf * lf;
        }
        if (sumL2 > 0 && sumLX * sumLX > best * sumL2) {
            for (int i = 0; i < n; ++i) L[i] = static_cast<std::int8_t>(nmax + level(iscale * x[i]));
            scale = sumLX / sumL2;
            best = scale * sumLX;
        }
    }
    return scale;
}

// The shared part of Q4_K and Q5_K: 8 sub-blocks of 32 with a 6-bit scale
// and a 6-bit min each, packed in 12 bytes at `scalesOut`; fp16 d and dmin
// at `dOut`. Leaves the final levels (0..nmax) in L[256].
void quantizeScaleMinBlock(const float* x, int nmax, float rmin, int nstep, u8* dOut, u8* scalesOut, u8* L) {
    float mins[8], scales[8], weights[32];
    u8 Laux[32];
    float maxScale = 0, maxMin = 0;
    for (int j = 0; j < 8; ++j) {
        float sumX2 = 0;
        for (int l = 0; l < 32; ++l) sumX2 += x[32 * j + l] * x[32 * j + l];
        const float avX = std::sqrt(sumX2 / 32);
        for (int l = 0; l < 32; ++l) weights[l] = avX + std::fabs(x[32 * j + l]);
        scales[j] = fitScaleAndMin(32, nmax, x + 32 * j, weights, L + 32 * j, &mins[j], Laux, rmin, 0.1f, nstep);
        maxScale = std::max(maxScale, scales[j]);
        maxMin = std::max(maxMin, mins[j]);
    }
    const float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
    const float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
    for (int j = 0; j < 8; ++j) {
        // ggml stores nearest_int's result in a uint8_t before clamping to 63.
        const u8 ls = std::min<u8>(63, static_cast<u8>(nearestInt(invScale * scales[j])));
        const u8 lm = std::min<u8>(63, static_cast<u8>(nearestInt(invMin * mins[j])));
        if (j < 4) {
            scalesOut[j] = ls;
            scalesOut[j + 4] = lm;
        } else {
            scalesOut[j + 4] = static_cast<u8>((ls & 0xF) | ((lm & 0xF) << 4));
            scalesOut[j - 4] |= static_cast<u8>((ls >> 4) << 6);
            scalesOut[j] |= static_cast<u8>((lm >> 4) << 6);
        }
    }
    const float d = halfValue(putHalf(dOut, maxScale / 63.f));
    const float dmin = halfValue(putHalf(dOut + 2, maxMin / 63.f));
    for (int j = 0; j < 8; ++j) {
        u8 sc, m;
        if (j < 4) {
            sc = scalesOut[j] & 63;
            m = scalesOut[j + 4] & 63;
        } else {
            sc = static_cast<u8>((scalesOut[j + 4] & 0xF) | ((scalesOut[j - 4] >> 6) << 4));
            m = static_cast<u8>((scalesOut[j + 4] >> 4) | ((scalesOut[j] >> 6) << 4));
        }
        const float dl = d * static_cast<float>(sc);
        if (dl == 0.0f) continue;
        const float ml = dmin * static_cast<float>(m);
        for (int i = 0; i < 32; ++i) {
            const int l = nearestInt((x[32 * j + i] + ml) / dl);
            L[32 * j + i] = static_cast<u8>(std::max(0, std::min(nmax, l)));
        }
    }
}

}  // namespace

// Q4_K, 144 bytes: fp16 d, fp16 dmin, 12 bytes of scales/mins, qs[128]
// (element j + l of each 64 in the low nibble of qs[l], j + 32 + l high).
void quantizeQ4K(const float* x, std::size_t count, std::byte* out) {
    u8 L[256];
    for (std::size_t b = 0; b < count / 256; ++b, x += 256, out += 144) {
        auto* y = reinterpret_cast<u8*>(out);
        quantizeScaleMinBlock(x, 15, -1.0f, 20, y, y + 4, L);
        u8* q = y + 16;
        for (int j = 0; j < 256; j += 64, q += 32) {
            for (int l = 0; l < 32; ++l) q[l] = static_cast<u8>(L[j + l] | (L[j + l + 32] << 4));
        }
    }
}

// Q5_K, 176 bytes: fp16 d, fp16 dmin, 12 bytes of scales/mins, qh[32]
// (fifth bits: bit 2i of qh[l] for element 64i + l, bit 2i + 1 for
// 64i + 32 + l), qs[128] (low nibbles as Q4_K).
void quantizeQ5K(const float* x, std::size_t count, std::byte* out) {
    u8 L[256];
    for (std::size_t b = 0; b < count / 256; ++b, x += 256, out += 176) {
        auto* y = reinterpret_cast<u8*>(out);
        quantizeScaleMinBlock(x, 31, -0.5f, 15, y, y + 4, L);
        u8* qh = y + 16;
        u8* ql = y + 48;
        std::memset(qh, 0, 32);
        u8 m1 = 1, m2 = 2;
        for (int n = 0; n < 256; n += 64, ql += 32) {
            for (int j = 0; j < 32; ++j) {
                int l1 = L[n + j], l2 = L[n + j + 32];
                if (l1 > 15) {
                    l1 -= 16;
                    qh[j] |= m1;
                }
                if (l2 > 15) {
                    l2 -= 16;
                    qh[j] |= m2;
                }
                ql[j] = static_cast<u8>(l1 | (l2 << 4));
            }
            m1 = static_cast<u8>(m1 << 2);
            m2 = static_cast<u8>(m2 << 2);
        }
    }
}

// Q6_K, 210 bytes: ql[128] (low 4 bits), qh[64] (high 2 bits), int8
// scales[16] (one per 16 elements), fp16 d; x = d scale (q - 32).
void quantizeQ6K(const float* x, std::size_t count, std::byte* out) {
    std::int8_t L[256];
    float scales[16];
    for (std::size_t b = 0; b < count / 256; ++b, x += 256, out += 210) {
        auto* y = reinterpret_cast<u8*>(out);
        float maxScale = 0, maxAbsScale = 0;
        for (int ib = 0; ib < 16; ++ib) {
            scales[ib] = fitSymmetricScale(16, 32, x + 16 * ib, L + 16 * ib);
            if (std::fabs(scales[ib]) > maxAbsScale) {
                maxAbsScale = std::fabs(scales[ib]);
                maxScale = scales[ib];
            }
        }
        if (maxAbsScale < kGroupMaxEps) {  // an all-zero block
            std::memset(y, 0, 210);
            continue;
        }
        auto* sc = reinterpret_cast<std::int8_t*>(y + 192);
        const float iscale = -128.f / maxScale;
        const float d = halfValue(putHalf(y + 208, 1 / iscale));
        for (int ib = 0; ib < 16; ++ib) sc[ib] = static_cast<std::int8_t>(std::min(127, nearestInt(iscale * scales[ib])));
        for (int j = 0; j < 16; ++j) {
            const float dl = d * static_cast<float>(sc[j]);
            if (dl == 0.0f) continue;
            for (int i = 0; i < 16; ++i) {
                const int l = std::max(-32, std::min(31, nearestInt(x[16 * j + i] / dl)));
                L[16 * j + i] = static_cast<std::int8_t>(l + 32);
            }
        }
        u8* ql = y;
        u8* qh = y + 128;
        for (int j = 0; j < 256; j += 128, ql += 64, qh += 32) {
            for (int l = 0; l < 32; ++l) {
                const auto q = [&](int k) { return static_cast<u8>(L[j + l + 32 * k]); };
                ql[l] = static_cast<u8>((q(0) & 0xF) | ((q(2) & 0xF) << 4));
                ql[l + 32] = static_cast<u8>((q(1) & 0xF) | ((q(3) & 0xF) << 4));
                qh[l] = static_cast<u8>((q(0) >> 4) | ((q(1) >> 4) << 2) | ((q(2) >> 4) << 4) | ((q(3) >> 4) << 6));
            }
        }
    }
}

}  // namespace attnviz::core
