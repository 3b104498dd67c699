// The per-key norms ||(x_j W_V^h + b_V^h) W_O^h|| a run records, against a
// per-token plain loop over the fixture's weights for layer 0, where x_j is
// easy to build from the embeddings: GPT-2 (pre-LN, Conv1D layout), BERT
// (post-LN: the embedding LayerNorm output), Llama (RMSNorm, GQA: both query
// heads share the one kv head).
#include "support/fixture_models.h"
#include "support/verify_result.h"

#include "attnviz/core/model.h"
#include "attnviz/core/value_weighted.h"
#include "attnviz/core/weight_store.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <string>
#include <vector>

using namespace attnviz;

namespace {

using Vec = std::vector<double>;

class Weights {
public:
    static core::Result<Weights> open(const std::filesystem::path& dir) {
        auto s = core::WeightStore::open(dir);
        if (!s) return s.takeError();
        Weights w;
        w.m_store = std::make_unique<core::WeightStore>(std::move(s.value()));
        return w;
    }
    core::Result<const float*> get(const std::string& name, std::initializer_list<std::int64_t> shape) {
        return m_store->floats(name, shape);
    }

private:
    std::unique_ptr<core::WeightStore> m_store;
};

Vec layerNorm(const Vec& x, const float* g, const float* b, double eps) {
    double mean = 0.0, var = 0.0;
    for (double v : x) mean += v;
    mean /= x.size();
    for (double v : x) var += (v - mean) * (v - mean);
    var /= x.size();
    Vec y(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) y[i] = (x[i] - mean) / std::sqrt(var + eps) * g[i] + b[i];
    return y;
}

Vec rmsNorm(const Vec& x, const float* g, double eps) {
    double ms = 0.0;
    for (double v : x) ms += v * v;
    ms /= x.size();
    Vec y(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) y[i] = x[i] / std::sqrt(ms + eps) * g[i];
    return y;
}

double norm(const Vec& v) {
    double s = 0.0;
    for (double x : v) s += x * x;
    return std::sqrt(s);
}

// ||v_h W_O^h|| for nn.Linear (out, in) output weights: f[o] = sum_c W[o][col0 + c] v[c].
double projectedNormOutIn(const Vec& v, const float* wOut, int dModel, int col0) {
    Vec f(dModel, 0.0);
    for (int o = 0; o < dModel; ++o)
        for (std::size_t c = 0; c < v.size(); ++c) f[o] += static_cast<double>(wOut[o * dModel + col0 + c]) * v[c];
    return norm(f);
}

}  // namespace

class TestValueNorms : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void gpt2Layer0();
    void bertLayer0();
    void llamaLayer0Gqa();

private:
    core::Result<core::AttentionTrace> run(const std::filesystem::path& dir);
    void compare(const core::AttentionTrace& trace, int head, int token, double expected);

    QTemporaryDir m_tmp;
    const std::vector<std::int32_t> m_ids{3, 1, 4, 1, 5, 9, 2, 6};
};

void TestValueNorms::initTestCase() { QVERIFY(m_tmp.isValid()); }

core::Result<core::AttentionTrace> TestValueNorms::run(const std::filesystem::path& dir) {
    auto model = core::loadModel(dir);
    if (!model) return model.takeError();
    core::RunOptions o;
    o.captureValueNorms = true;
    return (*model)->run(m_ids, o);
}

void TestValueNorms::compare(const core::AttentionTrace& trace, int head, int token, double expected) {
    const double got = trace.valueNorms(0, head)[token];
    QVERIFY2(std::abs(got - expected) <= 1e-5 * std::max(1.0, expected),
             qPrintable(QString("head %1 token %2: %3 vs %4").arg(head).arg(token).arg(got).arg(expected)));
    // The value-weighted matrix is a_ij times this norm.
    const auto n = core::valueWeightedNorms(trace, 0, head);
    QVERIFY(n.ok());
    for (int i = 0; i < trace.seqLen(); ++i) {
        QVERIFY(std::abs((*n)(i, token) - trace.prob(0, head, i, token) * got) <= 1e-6 * std::max(1.0, got));
    }
}

void TestValueNorms::gpt2Layer0() {
    ATTNVIZ_UNWRAP(dir, test::writeFixture(m_tmp, "tiny-gpt2"));
    ATTNVIZ_UNWRAP(trace, run(dir));
    ATTNVIZ_UNWRAP(w, Weights::open(dir));
    const int d = 8, hd = 4;
    ATTNVIZ_UNWRAP(wte, w.get("transformer.wte.weight", {50, d}));
    ATTNVIZ_UNWRAP(wpe, w.get("transformer.wpe.weight", {64, d}));
    ATTNVIZ_UNWRAP(g, w.get("transformer.h.0.ln_1.weight", {d}));
    ATTNVIZ_UNWRAP(b, w.get("transformer.h.0.ln_1.bias", {d}));
    ATTNVIZ_UNWRAP(wQkv, w.get("transformer.h.0.attn.c_attn.weight", {d, 3 * d}));  // Conv1D (in, out)
    ATTNVIZ_UNWRAP(bQkv, w.get("transformer.h.0.attn.c_attn.bias", {3 * d}));
    ATTNVIZ_UNWRAP(wO, w.get("transformer.h.0.attn.c_proj.weight", {d, d}));         // Conv1D (in, out)
    for (int t = 0; t < static_cast<int>(m_ids.size()); ++t) {
        Vec x(d);
        for (int i = 0; i < d; ++i) x[i] = double(wte[m_ids[t] * d + i]) + wpe[t * d + i];
        x = layerNorm(x, g, b, 1e-5);
        Vec v(d);  // the V third of c_attn: columns 2d..3d
        for (int o = 0; o < d; ++o) {
            v[o] = bQkv[2 * d + o];
            for (int i = 0; i < d; ++i) v[o] += x[i] * wQkv[i * 3 * d + 2 * d + o];
        }
        for (int h = 0; h < 2; ++h) {
            Vec f(d, 0.0);  // rows h*hd .. h*hd+hd of c_proj
            for (int o = 0; o < d; ++o)
                for (int c = 0; c < hd; ++c) f[o] += v[h * hd + c] * wO[(h * hd + c) * d + o];
            compare(trace, h, t, norm(f));
        }
    }
}

void TestValueNorms::bertLayer0() {
    ATTNVIZ_UNWRAP(dir, test::writeFixture(m_tmp, "tiny-bert"));
    ATTNVIZ_UNWRAP(trace, run(dir));
    ATTNVIZ_UNWRAP(w, Weights::open(dir));
    const int d = 8, hd = 4;
    ATTNVIZ_UNWRAP(word, w.get("bert.embeddings.word_embeddings.weight", {50, d}));
    ATTNVIZ_UNWRAP(pos, w.get("bert.embeddings.position_embeddings.weight", {64, d}));
    ATTNVIZ_UNWRAP(type, w.get("bert.embeddings.token_type_embeddings.weight", {2, d}));
    ATTNVIZ_UNWRAP(g, w.get("bert.embeddings.LayerNorm.weight", {d}));
    ATTNVIZ_UNWRAP(b, w.get("bert.embeddings.LayerNorm.bias", {d}));
    ATTNVIZ_UNWRAP(wV, w.get("bert.encoder.layer.0.attention.self.value.weight", {d, d}));  // (out, in)
    ATTNVIZ_UNWRAP(bV, w.get("bert.encoder.layer.0.attention.self.value.bias", {d}));
    ATTNVIZ_UNWRAP(wO, w.get("bert.encoder.layer.0.attention.output.dense.weight", {d, d}));  // (out, in)
    for (int t = 0; t < static_cast<int>(m_ids.size()); ++t) {
        // Post-LN: layer 0's input is the embedding LayerNorm output (token type 0).
        Vec x(d);
        for (int i = 0; i < d; ++i) x[i] = double(word[m_ids[t] * d + i]) + pos[t * d + i] + type[i];
        x = layerNorm(x, g, b, 1e-12);
        Vec v(d);
        for (int o = 0; o < d; ++o) {
            v[o] = bV[o];
            for (int i = 0; i < d; ++i) v[o] += x[i] * wV[o * d + i];
        }
        for (int h = 0; h < 2; ++h) {
            const Vec vh(v.begin() + h * hd, v.begin() + (h + 1) * hd);
            compare(trace, h, t, projectedNormOutIn(vh, wO, d, h * hd));
        }
    }
}

void TestValueNorms::llamaLayer0Gqa() {
    ATTNVIZ_UNWRAP(dir, test::writeFixture(m_tmp, "tiny-llama"));
    ATTNVIZ_UNWRAP(trace, run(dir));
    ATTNVIZ_UNWRAP(w, Weights::open(dir));
    const int d = 8, hd = 4, kv = 4;  // 2 query heads, 1 kv head
    ATTNVIZ_UNWRAP(emb, w.get("model.embed_tokens.weight", {50, d}));
    ATTNVIZ_UNWRAP(g, w.get("model.layers.0.input_layernorm.weight", {d}));
    ATTNVIZ_UNWRAP(wV, w.get("model.layers.0.self_attn.v_proj.weight", {kv, d}));  // (out, in), no bias
    ATTNVIZ_UNWRAP(wO, w.get("model.layers.0.self_attn.o_proj.weight", {d, d}));   // (out, in)
    for (int t = 0; t < static_cast<int>(m_ids.size()); ++t) {
        Vec x(d);
        for (int i = 0; i < d; ++i) x[i] = emb[m_ids[t] * d + i];
        x = rmsNorm(x, g, 1e-5);
        Vec v(kv, 0.0);
        for (int o = 0; o < kv; ++o)
            for (int i = 0; i < d; ++i) v[o] += x[i] * wV[o * d + i];
        // Both query heads read kv head 0 but project through their own W_O columns.
        for (int h = 0; h < 2; ++h) compare(trace, h, t, projectedNormOutIn(v, wO, d, h * hd));
    }
    QVERIFY(trace.valueNorms(0, 0)[0] != trace.valueNorms(0, 1)[0]);
}

QTEST_APPLESS_MAIN(TestValueNorms)
#include "test_value_norms.moc"
