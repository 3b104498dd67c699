// The GGUF block encoders (make-model's quantisers): Q4_K, Q5_K, Q6_K, Q5_0
// and Q5_1 give the bytes llama.cpp's own reference quantisers give for the
// same input (tests/data/ggml_quantize_reference.txt, made by compiling
// ggml-quants.c, see its header), and on random rows every value dequantises
// (with the bit-exact dequantiser) to the nearest value its block can
// represent, with an overall error in the range these formats give.
#include "support/test_paths.h"

#include "attnviz/core/ggml_types.h"
#include "gguf/ggml_quantize.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

using namespace attnviz::core;
using attnviz::test::testDataDir;

namespace {

constexpr int kN = 512;

// The inputs of the reference file (its header): exact integers times
// powers of two, so the same floats in C and C++ whatever the compiler fuses.
std::vector<float> referenceCase(int c) {
    std::uint32_t state = 1000u + static_cast<std::uint32_t>(c);
    const auto next = [&] { return state = state * 1664525u + 1013904223u; };
    const auto centred = [&] { return static_cast<std::int32_t>(next() >> 8) - (1 << 23); };
    std::vector<float> x(kN);
    for (int i = 0; i < kN; ++i) {
        switch (c) {
        case 0: x[i] = std::ldexp(static_cast<float>(centred()), -23); break;
        case 1: case 4: {
            std::int32_t s = centred();
            s += centred();
            s += centred();
            s += centred();
            x[i] = std::ldexp(static_cast<float>(s), -30);
            break;
        }
        case 2: x[i] = std::ldexp(static_cast<float>(next() >> 8), -24); break;
        case 3: x[i] = i < 256 ? 0.0f : 0.25f; break;
        case 5: x[i] = std::ldexp(static_cast<float>(centred()), -40); break;
        case 6: x[i] = std::ldexp(static_cast<float>(centred()), -12); break;
        case 7: x[i] = -std::ldexp(static_cast<float>(next() >> 8), -24); break;
        }
    }
    if (c == 4) {
        x[17] = 0.5f;
        x[300] = -0.75f;
    }
    return x;
}

std::string hex(const std::vector<std::byte>& bytes) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (std::byte b : bytes) {
        s += digits[std::to_integer<int>(b) >> 4];
        s += digits[std::to_integer<int>(b) & 15];
    }
    return s;
}

std::vector<std::byte> quantized(GgmlType type, const std::vector<float>& x) {
    const GgmlTypeInfo& t = ggmlTypeInfo(type);
    std::vector<std::byte> out(x.size() / t.blockSize * t.blockBytes);
    quantizeGgml(type, x.data(), x.size(), out.data());
    return out;
}

const std::map<std::string, GgmlType> kTypes = {{"Q4_K", GgmlType::Q4_K},
                                                {"Q5_K", GgmlType::Q5_K},
                                                {"Q6_K", GgmlType::Q6_K},
                                                {"Q5_0", GgmlType::Q5_0},
                                                {"Q5_1", GgmlType::Q5_1}};

// The values one group of a block can represent, from its bytes (the
// format, independent of how the encoder chose them): per group of `group`
// elements, value(q) = a q + b for q in [0, levels).
struct Group {
    float a, b;
    int levels;
};

float half(const std::byte* p) {
    std::uint16_t h;
    std::memcpy(&h, p, 2);
    const int e = (h >> 10) & 31, m = h & 1023;
    const float v = e == 0 ? std::ldexp(static_cast<float>(m), -24) : std::ldexp(static_cast<float>(m | 1024), e - 25);
    return (h & 0x8000) ? -v : v;
}

// (group size, groups of one block) for `type`.
std::vector<Group> groupsOf(GgmlType type, const std::byte* b, int& groupSize) {
    const auto u = [&](int i) { return std::to_integer<int>(b[i]); };
    std::vector<Group> g;
    switch (type) {
    case GgmlType::Q4_K: case GgmlType::Q5_K: {
        groupSize = 32;
        const float d = half(b), dmin = half(b + 2);
        for (int j = 0; j < 8; ++j) {
            int sc, m;
            if (j < 4) {
                sc = u(4 + j) & 63;
                m = u(4 + j + 4) & 63;
            } else {
                sc = (u(4 + j + 4) & 0xF) | ((u(4 + j - 4) >> 6) << 4);
                m = (u(4 + j + 4) >> 4) | ((u(4 + j) >> 6) << 4);
            }
            g.push_back({d * static_cast<float>(sc), -(dmin * static_cast<float>(m)), type == GgmlType::Q4_K ? 16 : 32});
        }
        break;
    }
    case GgmlType::Q6_K: {
        groupSize = 16;
        const float d = half(b + 208);
        for (int j = 0; j < 16; ++j) {
            const float dl = d * static_cast<float>(static_cast<std::int8_t>(u(192 + j)));
            g.push_back({dl, -32 * dl, 64});
        }
        break;
    }
    case GgmlType::Q5_0: groupSize = 32; g.push_back({half(b), -16 * half(b), 32}); break;
    case GgmlType::Q5_1: groupSize = 32; g.push_back({half(b), half(b + 2), 32}); break;
    default: break;
    }
    return g;
}

}  // namespace

class TestGgmlQuantize : public QObject {
    Q_OBJECT

private slots:
    void bytesEqualLlamaCppReference();
    void everyValueIsTheNearestItsBlockHolds();
    void errorWithinTheFormatsRange();
};

void TestGgmlQuantize::bytesEqualLlamaCppReference() {
    std::ifstream in(testDataDir() / "ggml_quantize_reference.txt");
    QVERIFY2(in, "tests/data/ggml_quantize_reference.txt is missing");
    std::string line;
    int c = -1, rows = 0;
    std::vector<float> x;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream fields(line);
        std::string first, second;
        fields >> first >> second;
        if (first == "case") {
            c = std::stoi(second);
            x = referenceCase(c);
            continue;
        }
        QVERIFY2(kTypes.count(first) == 1, qPrintable(QString::fromStdString("unknown type line: " + first)));
        const GgmlType type = kTypes.at(first);
        const std::string ours = hex(quantized(type, x));
        const std::size_t bytesPerBlock = ggmlTypeInfo(type).blockBytes;
        if (ours != second) {
            std::size_t at = 0;
            while (at < ours.size() && at < second.size() && ours[at] == second[at]) ++at;
            QFAIL(qPrintable(QString("case %1, %2: block %3 byte %4 differs from llama.cpp's")
                                 .arg(c)
                                 .arg(QString::fromStdString(first))
                                 .arg(at / 2 / bytesPerBlock)
                                 .arg(at / 2 % bytesPerBlock)));
        }
        ++rows;
    }
    QCOMPARE(rows, 8 * 5);
}

void TestGgmlQuantize::everyValueIsTheNearestItsBlockHolds() {
    std::mt19937 rng(18);
    std::normal_distribution<float> normal(0.0f, 0.02f);
    std::uniform_real_distribution<float> uniform(-3.0f, 3.0f);
    for (const auto& [name, type] : kTypes) {
        const GgmlTypeInfo& info = ggmlTypeInfo(type);
        for (int row = 0; row < 40; ++row) {
            std::vector<float> x(kN);
            for (float& v : x) v = row % 2 == 0 ? normal(rng) : uniform(rng);
            if (row % 5 == 4) x[static_cast<std::size_t>(row) % kN] = 40.0f * x[0];  // an outlier
            const std::vector<std::byte> q = quantized(type, x);
            std::vector<float> y(kN);
            dequantizeGgml(type, q.data(), kN, y.data());
            for (int blk = 0; blk < kN / static_cast<int>(info.blockSize); ++blk) {
                int groupSize = 0;
                const auto groups = groupsOf(type, q.data() + blk * info.blockBytes, groupSize);
                for (int i = 0; i < static_cast<int>(info.blockSize); ++i) {
                    const int e = blk * static_cast<int>(info.blockSize) + i;
                    const Group& g = groups[static_cast<std::size_t>(i / groupSize)];
                    // The nearest representable value, in exact arithmetic.
                    double best = INFINITY;
                    for (int level = 0; level < g.levels; ++level) {
                        best = std::min(best, std::fabs(double(g.a) * level + g.b - x[e]));
                    }
                    const double err = std::fabs(double(y[e]) - x[e]);
                    // Float rounding; Q5_0 and Q5_1 choose levels with the scale and
                    // min before their rounding to fp16 (as ggml does), which moves
                    // every level by up to 2^-11 of the block's range: the chosen
                    // level is then at most twice that worse than the nearest.
                    const bool legacy = type == GgmlType::Q5_0 || type == GgmlType::Q5_1;
                    const double slack = (legacy ? 0x1p-10 : 1e-6) * (std::fabs(g.a) * g.levels + std::fabs(g.b));
                    if (err > best + slack) {
                        QFAIL(qPrintable(QString("%1 row %2 element %3: %4 dequantises to %5, error %6, nearest level %7")
                                             .arg(QString::fromStdString(name)).arg(row).arg(e)
                                             .arg(double(x[e]), 0, 'g', 9).arg(double(y[e]), 0, 'g', 9)
                                             .arg(err).arg(best)));
                    }
                }
            }
        }
    }
}

void TestGgmlQuantize::errorWithinTheFormatsRange() {
    // Weight-like rows (normal, std 0.02): relative RMS error of the row.
    // Round to nearest with one scale per group of 32 and 2^bits levels
    // spread over about +-2.5 sigma gives about 5 sigma / 2^bits / sqrt(12):
    // 9 % at 4 bits, 4.5 % at 5, 2.3 % at 6; the bounds allow for fp16 and
    // 6-bit scales and require the fitted scales to be no worse than that.
    const std::map<GgmlType, double> bound = {{GgmlType::Q4_K, 0.10},
                                              {GgmlType::Q5_K, 0.05},
                                              {GgmlType::Q6_K, 0.025},
                                              {GgmlType::Q5_0, 0.06},
                                              {GgmlType::Q5_1, 0.06}};
    std::mt19937 rng(7);
    std::normal_distribution<float> normal(0.0f, 0.02f);
    std::vector<float> x(256 * 64);
    for (float& v : x) v = normal(rng);
    double energy = 0;
    for (float v : x) energy += double(v) * v;
    for (const auto& [type, limit] : bound) {
        const std::vector<std::byte> q = quantized(type, x);
        std::vector<float> y(x.size());
        dequantizeGgml(type, q.data(), x.size(), y.data());
        double err = 0;
        for (std::size_t i = 0; i < x.size(); ++i) err += (double(y[i]) - x[i]) * (double(y[i]) - x[i]);
        const double rel = std::sqrt(err / energy);
        qInfo("%s relative RMS error %.4f", ggmlTypeInfo(type).name.data(), rel);
        QVERIFY2(rel < limit, qPrintable(QString("%1: %2 >= %3").arg(ggmlTypeInfo(type).name.data()).arg(rel).arg(limit)));
        QVERIFY(rel > limit / 10);  // really quantised
    }
    // An all-zero row stays zero in every type.
    std::vector<float> zeros(512, 0.0f), back(512, 1.0f);
    for (const auto& [type, limit] : bound) {
        const std::vector<std::byte> q = quantized(type, zeros);
        dequantizeGgml(type, q.data(), zeros.size(), back.data());
        QVERIFY(std::all_of(back.begin(), back.end(), [](float v) { return v == 0.0f; }));
    }
}

QTEST_GUILESS_MAIN(TestGgmlQuantize)
#include "test_ggml_quantize.moc"
