// The shared numeric ops against plain loops written from the formulas.
#include "attnviz/core/attention_kernel.h"
#include "attnviz/core/ops.h"

#include <QtTest>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace attnviz::core;

namespace {

RowMatrix randomMatrix(int rows, int cols, std::mt19937& rng, float scale = 1.0f) {
    std::normal_distribution<float> n(0.0f, scale);
    RowMatrix m(rows, cols);
    for (int i = 0; i < rows; ++i)
        for (int j = 0; j < cols; ++j) m(i, j) = n(rng);
    return m;
}

std::vector<float> randomVector(int n, std::mt19937& rng, float mean = 0.0f, float scale = 1.0f) {
    std::normal_distribution<float> d(mean, scale);
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng);
    return v;
}

}  // namespace

class TestOps : public QObject {
    Q_OBJECT

private slots:
    void linearBothLayouts();
    void layerNormMatchesFormula();
    void rmsNormMatchesFormula();
    void activationsMatchFormulas();
    void softmaxRangeZeroesOutside();
    void softmaxIgnoresAlignment();
    void ropeMatchesRotateHalf();
    void ropeScalingFrequencies();
    void partialRopeRotatesLeadingDims();
    void attentionMatchesNaive_data();
    void attentionMatchesNaive();
    void badMaskIsInvalidInput();
};

void TestOps::linearBothLayouts() {
    std::mt19937 rng(1);
    const int T = 5, in = 7, out = 3;
    RowMatrix x = randomMatrix(T, in, rng);
    RowMatrix wOutIn = randomMatrix(out, in, rng);  // nn.Linear layout
    RowMatrix wInOut = wOutIn.transpose();          // Conv1D layout of the same map
    std::vector<float> bias = randomVector(out, rng);
    RowMatrix y1, y2;
    linear(x, Linear{wOutIn.data(), bias.data(), in, out, false}, y1);
    linear(x, Linear{wInOut.data(), bias.data(), in, out, true}, y2);
    for (int t = 0; t < T; ++t)
        for (int o = 0; o < out; ++o) {
            double ref = bias[o];
            for (int i = 0; i < in; ++i) ref += double(x(t, i)) * wOutIn(o, i);
            QVERIFY(std::fabs(y1(t, o) - ref) < 1e-5);
            QVERIFY(std::fabs(y2(t, o) - ref) < 1e-5);
        }
}

void TestOps::layerNormMatchesFormula() {
    std::mt19937 rng(2);
    RowMatrix x = randomMatrix(4, 9, rng, 3.0f);
    const RowMatrix original = x;
    auto g = randomVector(9, rng, 1.0f, 0.2f), b = randomVector(9, rng);
    layerNorm(x, g.data(), b.data(), 1e-5f);
    for (int r = 0; r < 4; ++r) {
        double mean = 0, var = 0;
        for (int i = 0; i < 9; ++i) mean += original(r, i);
        mean /= 9;
        for (int i = 0; i < 9; ++i) var += (original(r, i) - mean) * (original(r, i) - mean);
        var /= 9;  // biased variance, as torch.nn.LayerNorm
        for (int i = 0; i < 9; ++i) {
            const double ref = (original(r, i) - mean) / std::sqrt(var + 1e-5) * g[i] + b[i];
            QVERIFY2(std::fabs(x(r, i) - ref) < 1e-5, qPrintable(QString::number(x(r, i) - ref)));
        }
    }
}

void TestOps::rmsNormMatchesFormula() {
    std::mt19937 rng(3);
    RowMatrix x = randomMatrix(3, 8, rng, 2.0f), y;
    auto g = randomVector(8, rng, 1.0f, 0.3f);
    rmsNorm(x, g.data(), 1e-6f, y);
    for (int r = 0; r < 3; ++r) {
        double ms = 0;
        for (int i = 0; i < 8; ++i) ms += double(x(r, i)) * x(r, i);
        ms /= 8;
        for (int i = 0; i < 8; ++i) QVERIFY(std::fabs(y(r, i) - x(r, i) / std::sqrt(ms + 1e-6) * g[i]) < 1e-5);
    }
}

void TestOps::activationsMatchFormulas() {
    RowMatrix base(1, 41);
    for (int i = 0; i < 41; ++i) base(0, i) = -10.0f + 0.5f * i;
    for (Activation act : {Activation::GeluErf, Activation::GeluTanh, Activation::Relu, Activation::Silu}) {
        RowMatrix x = base;
        applyActivation(x, act);
        for (int i = 0; i < 41; ++i) {
            const double v = base(0, i);
            double ref = 0;
            switch (act) {
            case Activation::GeluErf: ref = 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); break;
            case Activation::GeluTanh: ref = 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v))); break;
            case Activation::Relu: ref = v > 0 ? v : 0; break;
            case Activation::Silu: ref = v / (1 + std::exp(-v)); break;
            }
            QVERIFY2(std::fabs(x(0, i) - ref) < 2e-6 * std::max(1.0, std::fabs(ref)),
                     qPrintable(QString("act %1 at %2: %3 vs %4").arg(int(act)).arg(v).arg(x(0, i)).arg(ref)));
        }
    }
    QCOMPARE(activationFromName("gelu_new"), Activation::GeluTanh);
    QCOMPARE(activationFromName("gelu"), Activation::GeluErf);
    QCOMPARE(activationFromName("silu"), Activation::Silu);
}

void TestOps::softmaxRangeZeroesOutside() {
    std::vector<float> row = {5.0f, 1.0f, 2.0f, 3.0f, 100.0f};
    softmaxRange(row.data(), 5, 1, 4);
    QCOMPARE(row[0], 0.0f);
    QCOMPARE(row[4], 0.0f);
    const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
    QVERIFY(std::fabs(row[1] - std::exp(1.0) / z) < 1e-7);
    QVERIFY(std::fabs(row[3] - std::exp(3.0) / z) < 1e-7);
    // Large scores must not overflow.
    std::vector<float> big = {1e4f, 1e4f};
    softmaxRange(big.data(), 2, 0, 2);
    QCOMPARE(big[0], 0.5f);
}

void TestOps::softmaxIgnoresAlignment() {
    // The same row at any address gives the same bits: vectorised sums must
    // not split their work by where the row happens to lie in memory.
    std::mt19937 rng(9);
    std::normal_distribution<float> n(0.0f, 3.0f);
    std::vector<float> row(77);
    for (auto& x : row) x = n(rng);
    std::vector<float> reference;
    std::vector<float> buffer(row.size() + 32);
    for (int offset = 0; offset < 16; ++offset) {
        float* p = buffer.data() + offset;
        std::copy(row.begin(), row.end(), p);
        softmaxRange(p, 77, 3, 71);
        std::vector<float> got(p, p + 77);
        if (reference.empty()) reference = got;
        QVERIFY2(std::memcmp(got.data(), reference.data(), 77 * sizeof(float)) == 0, qPrintable(QString::number(offset)));
    }
}

void TestOps::ropeMatchesRotateHalf() {
    std::mt19937 rng(4);
    const int T = 6, nHeads = 3, hd = 8;
    RowMatrix x = randomMatrix(T, nHeads * hd, rng);
    const RowMatrix original = x;
    const RopeTable table = makeRopeTable(T, hd, 10000.0, {});
    applyRope(x, nHeads, hd, table);
    for (int p = 0; p < T; ++p)
        for (int h = 0; h < nHeads; ++h)
            for (int i = 0; i < hd / 2; ++i) {
                // Hugging Face pairs dimension i with i + hd/2 (rotate_half).
                const double theta = p * std::pow(10000.0, -2.0 * i / hd);
                const double a = original(p, h * hd + i), b = original(p, h * hd + i + hd / 2);
                QVERIFY(std::fabs(x(p, h * hd + i) - (a * std::cos(theta) - b * std::sin(theta))) < 1e-5);
                QVERIFY(std::fabs(x(p, h * hd + i + hd / 2) - (b * std::cos(theta) + a * std::sin(theta))) < 1e-5);
            }
}

void TestOps::partialRopeRotatesLeadingDims() {
    // GPT-NeoX rotary_pct: 16-dim heads, the first 4 rotated with
    // frequencies theta^(-2i/4), pairs (0,2) and (1,3); dims 4..15 untouched.
    std::mt19937 rng(5);
    const int T = 9, nHeads = 3, hd = 16, rot = 4;
    const double base = 10000.0;
    RowMatrix x = randomMatrix(T, nHeads * hd, rng);
    const RowMatrix original = x;
    const RopeTable table = makeRopeTable(T, rot, base, {});
    applyPartialRope(x, nHeads, hd, rot, table);
    for (int p = 0; p < T; ++p)
        for (int h = 0; h < nHeads; ++h) {
            for (int i = 0; i < rot / 2; ++i) {
                const double theta = p * std::pow(base, -2.0 * i / rot);
                const double a = original(p, h * hd + i), b = original(p, h * hd + i + rot / 2);
                QVERIFY(std::fabs(x(p, h * hd + i) - (a * std::cos(theta) - b * std::sin(theta))) < 1e-5);
                QVERIFY(std::fabs(x(p, h * hd + i + rot / 2) - (b * std::cos(theta) + a * std::sin(theta))) < 1e-5);
            }
            for (int i = rot; i < hd; ++i) QCOMPARE(x(p, h * hd + i), original(p, h * hd + i));
        }
    // With rotaryDims = headDim it is the full rotation.
    RowMatrix full = original, partial = original;
    const RopeTable fullTable = makeRopeTable(T, hd, base, {});
    applyRope(full, nHeads, hd, fullTable);
    applyPartialRope(partial, nHeads, hd, hd, fullTable);
    QVERIFY(full == partial);
}

void TestOps::ropeScalingFrequencies() {
    const int hd = 64;
    const double theta = 500000.0;
    const auto plain = ropeInverseFrequencies(hd, theta, {});
    RopeScalingParams linear;
    linear.kind = RopeScalingParams::Kind::Linear;
    linear.factor = 4.0f;
    const auto lin = ropeInverseFrequencies(hd, theta, linear);
    for (int i = 0; i < hd / 2; ++i) QVERIFY(std::fabs(lin[i] - plain[i] / 4.0) < 1e-9 + 1e-6 * plain[i]);

    // Llama 3: keep high frequencies, divide low ones by the factor, blend between.
    RopeScalingParams l3;
    l3.kind = RopeScalingParams::Kind::Llama3;
    l3.factor = 32.0f;
    l3.lowFreqFactor = 1.0f;
    l3.highFreqFactor = 4.0f;
    l3.originalMaxPositions = 8192.0f;
    const auto scaled = ropeInverseFrequencies(hd, theta, l3);
    int kept = 0, divided = 0, blended = 0;
    for (int i = 0; i < hd / 2; ++i) {
        const double wavelen = 2 * M_PI / plain[i];
        double ref;
        if (wavelen < 8192.0 / 4.0) { ref = plain[i]; ++kept; }
        else if (wavelen > 8192.0 / 1.0) { ref = plain[i] / 32.0; ++divided; }
        else {
            const double s = (8192.0 / wavelen - 1.0) / (4.0 - 1.0);
            ref = (1 - s) * plain[i] / 32.0 + s * plain[i];
            ++blended;
        }
        QVERIFY2(std::fabs(scaled[i] - ref) <= 1e-6 * std::fabs(ref), qPrintable(QString::number(i)));
    }
    QVERIFY(kept > 0 && divided > 0 && blended > 0);
}

void TestOps::attentionMatchesNaive_data() {
    QTest::addColumn<QString>("mask");
    QTest::addColumn<int>("nKvHeads");
    for (const char* m : {"causal", "bidirectional", "window:1", "window:3"}) {
        for (int kv : {4, 2, 1}) QTest::newRow(qPrintable(QString("%1 kv%2").arg(m).arg(kv))) << QString(m) << kv;
    }
}

void TestOps::attentionMatchesNaive() {
    QFETCH(QString, mask);
    QFETCH(int, nKvHeads);
    const auto mode = MaskMode::parse(mask.toStdString());
    QVERIFY(mode.ok());
    std::mt19937 rng(5);
    const int T = 7, nHeads = 4, hd = 4;
    RowMatrix q = randomMatrix(T, nHeads * hd, rng, 2.0f);
    RowMatrix k = randomMatrix(T, nKvHeads * hd, rng, 2.0f);
    RowMatrix v = randomMatrix(T, nKvHeads * hd, rng);
    AttentionTrace trace(1, nHeads, T, true);
    trace.setMask(*mode);
    RowMatrix context;
    const float scale = 0.5f;
    multiHeadAttention({q.data(), k.data(), v.data(), nHeads * hd, nKvHeads * hd, nKvHeads * hd}, T,
                       {nHeads, nKvHeads, hd, scale}, 0, trace, context);
    for (int h = 0; h < nHeads; ++h) {
        const int g = h / (nHeads / nKvHeads);
        for (int i = 0; i < T; ++i) {
            // Naive: score, mask, softmax over visible keys, weighted sum of values.
            std::vector<double> s(T);
            double maxS = -1e300;
            for (int j = 0; j < T; ++j) {
                double dot = 0;
                for (int d = 0; d < hd; ++d) dot += double(q(i, h * hd + d)) * k(j, g * hd + d);
                s[j] = dot * scale;
                if (mode->allows(i, j)) maxS = std::max(maxS, s[j]);
            }
            double z = 0;
            for (int j = 0; j < T; ++j) z += mode->allows(i, j) ? std::exp(s[j] - maxS) : 0.0;
            for (int j = 0; j < T; ++j) {
                const double p = mode->allows(i, j) ? std::exp(s[j] - maxS) / z : 0.0;
                const float got = trace.prob(0, h, i, j);
                QVERIFY(std::fabs(trace.rawScores(0, h)[i * T + j] - s[j]) < 1e-5);  // recorded before the mask
                if (!mode->allows(i, j)) {
                    QCOMPARE(got, 0.0f);
                } else {
                    QVERIFY2(std::fabs(got - p) < 1e-6, qPrintable(QString("h%1 [%2][%3]").arg(h).arg(i).arg(j)));
                }
            }
            for (int d = 0; d < hd; ++d) {
                double ref = 0;
                for (int j = 0; j < T; ++j) {
                    if (mode->allows(i, j)) ref += std::exp(s[j] - maxS) / z * v(j, g * hd + d);
                }
                QVERIFY(std::fabs(context(i, h * hd + d) - ref) < 1e-5);
            }
        }
    }
}

void TestOps::badMaskIsInvalidInput() {
    for (const char* text : {"sideways", "window:0", "window:x", "window:"}) {
        const auto mode = MaskMode::parse(text);
        QVERIFY2(!mode.ok(), text);
        QVERIFY2(QString::fromStdString(mode.error()).contains(text), mode.error().c_str());
        QCOMPARE(QString::fromUtf8(errorCodeName(mode.code()).data()),
                 QString::fromUtf8(errorCodeName(ErrorCode::InvalidInput).data()));
    }
}

QTEST_APPLESS_MAIN(TestOps)
#include "test_ops.moc"
