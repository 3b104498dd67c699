// The config quirks of Gemma, Gemma 2 and Phi-3 as transformers 4.48 reads
// them (which activation field counts, soft-caps that are null, which layers
// are local, what is unsupported), Phi-3's fused projections against the
// same weights split into a Mistral checkpoint, and Gemma 2's capped logits.
// Equality with Hugging Face itself is test_golden_attention's job.
#include "support/fixture_models.h"
#include "support/verify_result.h"

#include "attnviz/core/model.h"
#include "attnviz/core/safetensors_file.h"
#include "attnviz/core/safetensors_writer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

using namespace attnviz;
using core::ErrorCode;
using core::LayerKind;
using nlohmann::json;

namespace {

json presetJson(const std::string& preset) {
    auto text = core::randomModelConfig(preset);
    if (!text) qFatal("%s", text.error().c_str());
    return json::parse(*text);
}

core::Result<core::ModelConfig> read(const json& j) { return core::ModelConfig::fromJson(j.dump(), "test"); }

}  // namespace

class TestGemmaPhi3 : public QObject {
    Q_OBJECT

private slots:
    void gemmaActivationIsHiddenAct();
    void gemma2LayersAndCaps();
    void phi3WindowAndUnsupported();
    void phi3FusedEqualsSplit();
    void gemma2LogitsAreCapped();
    void realisticPresetsRead();
};

void TestGemmaPhi3::gemmaActivationIsHiddenAct() {
    // GemmaMLP (4.48) applies ACT2FN[hidden_act]; hidden_activation is not read.
    json j = presetJson("tiny-gemma");
    j["hidden_act"] = "gelu";
    j["hidden_activation"] = "gelu_pytorch_tanh";
    ATTNVIZ_UNWRAP(c, read(j));
    QCOMPARE(QString::fromStdString(c.activation), QString("gelu"));
    j.erase("hidden_act");
    ATTNVIZ_UNWRAP(byDefault, read(j));
    QCOMPARE(QString::fromStdString(byDefault.activation), QString("gelu_pytorch_tanh"));
    // head_dim is the config's, not hidden_size / heads.
    QCOMPARE(byDefault.headDim, 6);
    QCOMPARE(byDefault.dModel / byDefault.nHeads, 4);
    QVERIFY(byDefault.layerKinds.empty());
    j["hidden_act"] = "relu";
    auto relu = read(j);
    QVERIFY(!relu.ok());
    QCOMPARE(relu.code(), ErrorCode::Unsupported);
    QVERIFY2(relu.error().find("hidden_act \"relu\"") != std::string::npos, relu.error().c_str());
}

void TestGemmaPhi3::gemma2LayersAndCaps() {
    json j = presetJson("tiny-gemma2");
    j["num_hidden_layers"] = 5;
    ATTNVIZ_UNWRAP(c, read(j));
    // Even layers local (the last sliding_window keys), odd layers global.
    const std::vector<LayerKind> kinds = {LayerKind::causalWindow(3), LayerKind::global(), LayerKind::causalWindow(3),
                                          LayerKind::global(), LayerKind::causalWindow(3)};
    QVERIFY(c.allLayerKinds() == kinds);
    QCOMPARE(c.queryPreAttnScalar, 8.0);
    QCOMPARE(c.attnLogitSoftcap, 5.0);
    QCOMPARE(c.finalLogitSoftcap, 3.0);
    // Missing caps take Gemma2Config's defaults; null ones are off.
    j.erase("attn_logit_softcapping");
    j["final_logit_softcapping"] = nullptr;
    ATTNVIZ_UNWRAP(d, read(j));
    QCOMPARE(d.attnLogitSoftcap, 50.0);
    QCOMPARE(d.finalLogitSoftcap, 0.0);
    // Gemma2MLP reads hidden_activation (hidden_act is not read).
    j["hidden_act"] = "silu";
    j["hidden_activation"] = "gelu";
    ATTNVIZ_UNWRAP(e, read(j));
    QCOMPARE(QString::fromStdString(e.activation), QString("gelu"));
    // Without a window the even layers cannot run (transformers fails too).
    j["sliding_window"] = nullptr;
    auto noWindow = read(j);
    QVERIFY(!noWindow.ok());
    QCOMPARE(noWindow.code(), ErrorCode::Unsupported);
    QVERIFY2(noWindow.error().find("sliding_window") != std::string::npos, noWindow.error().c_str());
}

void TestGemmaPhi3::phi3WindowAndUnsupported() {
    json j = presetJson("tiny-phi3");
    ATTNVIZ_UNWRAP(c, read(j));
    QVERIFY(c.allLayerKinds() == std::vector<LayerKind>(2, LayerKind::causalWindow(3)));
    QVERIFY(!c.tieWordEmbeddings);
    j["sliding_window"] = nullptr;
    ATTNVIZ_UNWRAP(global, read(j));
    QVERIFY(global.layerKinds.empty());

    auto rejected = [&](const std::function<void(json&)>& edit, const std::string& field) {
        json k = presetJson("tiny-phi3");
        edit(k);
        auto r = read(k);
        QVERIFY(!r.ok());
        QCOMPARE(r.code(), ErrorCode::Unsupported);
        QVERIFY2(r.error().find(field) != std::string::npos, r.error().c_str());
    };
    rejected([](json& k) {
        k["rope_scaling"] = {{"type", "longrope"}, {"short_factor", {1.0, 1.0}}, {"long_factor", {1.0, 1.0}}};
    }, "rope_scaling type \"longrope\"");
    rejected([](json& k) { k["rope_scaling"] = {{"type", "su"}}; }, "rope_scaling type \"su\"");
    rejected([](json& k) { k["partial_rotary_factor"] = 0.75; }, "partial_rotary_factor");
    rejected([](json& k) { k["hidden_act"] = "gelu"; }, "hidden_act \"gelu\"");
}

void TestGemmaPhi3::phi3FusedEqualsSplit() {
    // tiny-phi3's qkv_proj and gate_up_proj split by rows into a Mistral
    // checkpoint (separate q/k/v and gate/up, same window in every layer):
    // the same attention and logits. Not bit for bit: the split matrices are
    // kept transposed and go through another kernel (WeightStore::
    // convertLayersLazily), whose sums round differently (1.8e-6 seen); a
    // wrong split moves probabilities by far more than 1e-5.
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(phi3, test::writeFixture(tmp, "tiny-phi3"));
    json mistral = presetJson("tiny-phi3");
    mistral["model_type"] = "mistral";
    mistral.erase("architectures");
    const std::filesystem::path split = std::filesystem::path(tmp.path().toStdString()) / "split";
    std::filesystem::create_directories(split);
    std::ofstream(split / "config.json") << mistral.dump();
    {
        const int d = 8, f = 16, q = 2 * 4, kv = 1 * 4;  // hidden, FFN, q rows, k/v rows
        auto file = core::SafetensorsFile::open(phi3 / "model.safetensors");
        QVERIFY(file.ok());
        std::vector<core::SafetensorsWriter::Entry> entries;
        std::vector<std::vector<float>> data;
        auto add = [&](const std::string& name, std::vector<std::int64_t> shape, const float* values) {
            entries.push_back({name, core::DType::F32, shape});
            data.emplace_back(values, values + shape[0] * (shape.size() > 1 ? shape[1] : 1));
        };
        for (const auto& t : file->tensors()) {
            std::vector<float> v(t.numel);
            core::convertToFloat(t.dtype, t.data, t.numel, v.data());
            const auto at = [&](const std::string& s) { return t.name.find(s) != std::string::npos; };
            const std::string layer = t.name.substr(0, t.name.find(at("self_attn") ? "self_attn" : "mlp"));
            if (at("qkv_proj")) {
                add(layer + "self_attn.q_proj.weight", {q, d}, v.data());
                add(layer + "self_attn.k_proj.weight", {kv, d}, v.data() + q * d);
                add(layer + "self_attn.v_proj.weight", {kv, d}, v.data() + (q + kv) * d);
            } else if (at("gate_up_proj")) {
                add(layer + "mlp.gate_proj.weight", {f, d}, v.data());
                add(layer + "mlp.up_proj.weight", {f, d}, v.data() + f * d);
            } else {
                add(t.name, t.shape, v.data());
            }
        }
        QVERIFY(core::SafetensorsWriter::write(split / "model.safetensors", entries,
                                               [&](std::size_t i, std::vector<float>& out) { out = data[i]; })
                    .ok());
    }
    ATTNVIZ_UNWRAP(a, core::loadModel(phi3));
    ATTNVIZ_UNWRAP(b, core::loadModel(split));
    QCOMPARE(b->loadWarnings().size(), std::size_t(0));
    std::vector<std::int32_t> ids;
    for (int t = 0; t < 9; ++t) ids.push_back((5 * t + 2) % 50);
    core::RunOptions o;
    o.computeLogits = true;
    ATTNVIZ_UNWRAP(ta, a->run(ids, o));
    ATTNVIZ_UNWRAP(tb, b->run(ids, o));
    const int T = static_cast<int>(ids.size());
    float worst = 0.0f;
    for (int l = 0; l < 2; ++l)
        for (int h = 0; h < 2; ++h)
            for (int i = 0; i < T; ++i)
                for (int j = 0; j < T; ++j) {
                    const float pa = ta.prob(l, h, i, j), pb = tb.prob(l, h, i, j);
                    QCOMPARE(pa == 0.0f, pb == 0.0f);
                    QCOMPARE(pa == 0.0f, !ta.layerMask(l).allows(i, j));
                    worst = std::max(worst, std::fabs(pa - pb));
                }
    QVERIFY2(worst < 1e-5f, qPrintable(QString::number(worst)));
    QCOMPARE(ta.logits.size(), tb.logits.size());
    for (std::size_t i = 0; i < ta.logits.size(); ++i) QVERIFY(std::fabs(ta.logits[i] - tb.logits[i]) < 1e-5f);
}

void TestGemmaPhi3::gemma2LogitsAreCapped() {
    // final_logit_softcapping 1: every logit within (-1, 1), cap tanh(x / cap)
    // of the same model's logits without the cap (null), which reach beyond it.
    QTemporaryDir tmp;
    json j = presetJson("tiny-gemma2");
    j["final_logit_softcapping"] = 1.0;
    ATTNVIZ_UNWRAP(capped, test::writeConfigFixture(tmp, "capped", j.dump(), 11));
    j["final_logit_softcapping"] = nullptr;
    ATTNVIZ_UNWRAP(uncapped, test::writeConfigFixture(tmp, "uncapped", j.dump(), 11));
    std::vector<std::int32_t> ids = {4, 8, 15, 16, 23, 42};
    core::RunOptions o;
    o.computeLogits = true;
    ATTNVIZ_UNWRAP(mc, core::loadModel(capped));
    ATTNVIZ_UNWRAP(mu, core::loadModel(uncapped));
    ATTNVIZ_UNWRAP(tc, mc->run(ids, o));
    ATTNVIZ_UNWRAP(tu, mu->run(ids, o));
    float maxCapped = 0.0f, maxUncapped = 0.0f;
    for (std::size_t i = 0; i < tc.logits.size(); ++i) {
        maxCapped = std::max(maxCapped, std::fabs(tc.logits[i]));
        maxUncapped = std::max(maxUncapped, std::fabs(tu.logits[i]));
        QVERIFY(std::fabs(tc.logits[i] - std::tanh(tu.logits[i])) < 1e-6f);
    }
    QVERIFY2(maxCapped < 1.0f, qPrintable(QString::number(maxCapped)));
    QVERIFY2(maxUncapped > 1.0f, qPrintable(QString::number(maxUncapped)));
}

void TestGemmaPhi3::realisticPresetsRead() {
    // The benchmark presets (published configs) read with their layer kinds.
    ATTNVIZ_UNWRAP(gemma, read(presetJson("gemma-2b")));
    QCOMPARE(gemma.headDim, 256);
    QCOMPARE(gemma.nKvHeads, 1);
    QVERIFY(gemma.layerKinds.empty());
    ATTNVIZ_UNWRAP(gemma2, read(presetJson("gemma2-2b")));
    QCOMPARE(gemma2.nLayers, 26);
    for (int l = 0; l < gemma2.nLayers; ++l)
        QCOMPARE(gemma2.layerKind(l), l % 2 == 0 ? LayerKind::causalWindow(4096) : LayerKind::global());
    ATTNVIZ_UNWRAP(phi3, read(presetJson("phi3-mini")));
    QCOMPARE(phi3.headDim, 96);
    QVERIFY(phi3.allLayerKinds() == std::vector<LayerKind>(32, LayerKind::causalWindow(2047)));
}

QTEST_APPLESS_MAIN(TestGemmaPhi3)
#include "test_gemma_phi3.moc"
