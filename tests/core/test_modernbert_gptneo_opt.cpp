// Config paths of ModernBERT, GPT-Neo and OPT beyond what their golden cases
// take: layer kinds read from the config (global every n layers, expanded
// attention_types), ModernBERT's layer 0 without an attention norm, OPT's
// position table of max_position_embeddings + 2 rows, every bias flag and
// OPT-350m's layout loading and running, and each unsupported setting
// reported as such, naming its field.
#include "support/fixture_models.h"
#include "support/verify_result.h"

#include "attnviz/core/model.h"
#include "attnviz/core/random_model.h"
#include "attnviz/core/safetensors_file.h"
#include "attnviz/core/safetensors_writer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

using namespace attnviz;
using core::ErrorCode;

namespace {

// A preset's config.json with the keys of `patch` replaced (null removes).
std::string patched(const std::string& preset, const std::string& patch) {
    auto json = core::randomModelConfig(preset);
    if (!json) qFatal("%s", json.error().c_str());
    nlohmann::json j = nlohmann::json::parse(*json);
    j.merge_patch(nlohmann::json::parse(patch));
    return j.dump();
}

core::Result<core::ModelConfig> configOf(const std::string& preset, const std::string& patch) {
    return core::ModelConfig::fromJson(patched(preset, patch), preset);
}

QStringList kindNames(const core::ModelConfig& c) {
    QStringList names;
    for (const auto& k : c.allLayerKinds()) names << QString::fromStdString(k.toString());
    return names;
}

}  // namespace

class TestModernBertGptNeoOpt : public QObject {
    Q_OBJECT

private slots:
    void modernBertLayerKindsAndThetas();
    void modernBertLayerZeroHasNoAttentionNorm();
    void gptNeoAttentionTypes();
    void optPositionTable();
    void variantsLoadAndRun_data();
    void variantsLoadAndRun();
    void unsupportedSettings_data();
    void unsupportedSettings();

private:
    QTemporaryDir m_tmp;
};

void TestModernBertGptNeoOpt::modernBertLayerKindsAndThetas() {
    // Layer l is global iff l % global_attn_every_n_layers == 0; local layers
    // carry local_attention (a symmetric window of that total width).
    ATTNVIZ_UNWRAP(c, configOf("tiny-modernbert",
                               R"({"num_hidden_layers":5,"global_attn_every_n_layers":3,"local_attention":6})"));
    QCOMPARE(kindNames(c), QStringList({"global", "local:6", "local:6", "global", "local:6"}));
    QVERIFY(c.layerKind(1).symmetric);
    QCOMPARE(c.ropeTheta, 160000.0);
    QCOMPARE(c.localRopeTheta, 10000.0);
    // local_rope_theta null: local layers use the global theta; absent: 10000.
    auto j = nlohmann::json::parse(patched("tiny-modernbert", R"({"global_rope_theta":5000.0})"));
    j["local_rope_theta"] = nullptr;
    ATTNVIZ_UNWRAP(same, core::ModelConfig::fromJson(j.dump(), "test"));
    QCOMPARE(same.localRopeTheta, 5000.0);
    j.erase("local_rope_theta");
    ATTNVIZ_UNWRAP(fallback, core::ModelConfig::fromJson(j.dump(), "test"));
    QCOMPARE(fallback.localRopeTheta, 10000.0);
    // Every layer global.
    ATTNVIZ_UNWRAP(allGlobal, configOf("tiny-modernbert", R"({"global_attn_every_n_layers":1})"));
    QCOMPARE(kindNames(allGlobal), QStringList({"global", "global"}));
}

void TestModernBertGptNeoOpt::modernBertLayerZeroHasNoAttentionNorm() {
    // make-model writes no model.layers.0.attn_norm.weight (Hugging Face has
    // an Identity there); a file that has one loads with that tensor named
    // as unused, as transformers reports it.
    ATTNVIZ_UNWRAP(dir, test::writeFixture(m_tmp, "tiny-modernbert"));
    const auto path = dir / "model.safetensors";
    std::vector<core::SafetensorsWriter::Entry> entries;
    std::vector<std::vector<float>> data;
    {
        auto file = core::SafetensorsFile::open(path);
        QVERIFY(file.ok());
        bool layer1 = false;
        for (const auto& t : file->tensors()) {
            QVERIFY(t.name != "model.layers.0.attn_norm.weight");
            layer1 = layer1 || t.name == "model.layers.1.attn_norm.weight";
            entries.push_back({t.name, core::DType::F32, t.shape});
            data.emplace_back(t.numel);
            core::convertToFloat(t.dtype, t.data, t.numel, data.back().data());
        }
        QVERIFY(layer1);
    }
    entries.push_back({"model.layers.0.attn_norm.weight", core::DType::F32, {8}});
    data.emplace_back(8, 1.0f);
    std::filesystem::remove(path);
    QVERIFY(core::SafetensorsWriter::write(path, entries, [&](std::size_t i, std::vector<float>& out) {
        out = data[i];
    }).ok());
    auto model = core::loadModel(dir);
    QVERIFY2(model.ok(), ATTNVIZ_RESULT_MESSAGE(model));
    QCOMPARE((*model)->loadWarnings().size(), std::size_t(1));
    const std::string& w = (*model)->loadWarnings().front();
    QVERIFY2(w.find("1 tensor in 'model.safetensors' is not used by a \"modernbert\" model (ignored): "
                    "model.layers.0.attn_norm.weight") != std::string::npos,
             w.c_str());
}

void TestModernBertGptNeoOpt::gptNeoAttentionTypes() {
    // Without attention_layers, attention_types [[[types...], n], ...]
    // expands to one type per layer; local layers see window_size keys.
    ATTNVIZ_UNWRAP(c, configOf("tiny-gpt-neo", R"({"num_layers":4,"attention_layers":null,)"
                                               R"("attention_types":[[["local"],1],[["global","local"],1],[["global"],1]]})"));
    QCOMPARE(kindNames(c), QStringList({"local:4", "global", "local:4", "global"}));
    QVERIFY(!c.layerKind(0).symmetric);
    // attention_layers, when present, is what transformers uses.
    ATTNVIZ_UNWRAP(listed, configOf("tiny-gpt-neo", R"({"attention_layers":["local","local"],"window_size":2})"));
    QCOMPARE(kindNames(listed), QStringList({"local:2", "local:2"}));
    // Types for another number of layers: a corrupt config.
    auto wrong = configOf("tiny-gpt-neo", R"({"attention_layers":null,"attention_types":[[["global","local"],2]]})");
    QVERIFY(!wrong.ok());
    QCOMPARE(wrong.code(), ErrorCode::CorruptFile);
    QVERIFY2(wrong.error().find("num_layers is 2") != std::string::npos, wrong.error().c_str());
}

void TestModernBertGptNeoOpt::optPositionTable() {
    // embed_positions has max_position_embeddings + 2 rows; inputs of up to
    // max_position_embeddings tokens run.
    ATTNVIZ_UNWRAP(c, configOf("tiny-opt", "{}"));
    QCOMPARE(c.maxPositions, 66);
    QCOMPARE(c.maxSequenceLength(), 64);
    ATTNVIZ_UNWRAP(dir, test::writeFixture(m_tmp, "tiny-opt"));
    auto model = core::loadModel(dir);
    QVERIFY2(model.ok(), ATTNVIZ_RESULT_MESSAGE(model));
    QVERIFY((*model)->loadWarnings().empty());
    core::RunOptions options;
    options.computeLogits = true;
    std::vector<std::int32_t> ids(64, 7);
    auto full = (*model)->run(ids, options);
    QVERIFY2(full.ok(), ATTNVIZ_RESULT_MESSAGE(full));
    ids.push_back(7);
    auto tooLong = (*model)->run(ids, options);
    QVERIFY(!tooLong.ok());
    QCOMPARE(tooLong.code(), ErrorCode::InvalidInput);
    QVERIFY2(tooLong.error().find("at most 64") != std::string::npos, tooLong.error().c_str());
}

void TestModernBertGptNeoOpt::variantsLoadAndRun_data() {
    QTest::addColumn<QString>("preset");
    QTest::addColumn<QString>("patch");
    QTest::addColumn<int>("tensors");
    // ModernBERT with every bias (attention, mlp, norm, classifier), no
    // decoder bias and an untied decoder: 17 tensors + 2 x (Wqkv, Wo, Wi, Wo
    // biases, mlp_norm bias) + layer 1's attn_norm bias + embeddings, final
    // and head norm biases + the head's dense bias + decoder.weight - decoder.bias.
    QTest::newRow("modernbert biases")
        << "tiny-modernbert"
        << R"({"attention_bias":true,"mlp_bias":true,"norm_bias":true,"classifier_bias":true,"decoder_bias":false,)"
           R"("tie_word_embeddings":false})"
        << 17 + 2 * 5 + 1 + 3 + 1 + 1 - 1;
    // OPT without Linear biases, without the final norm, untied.
    QTest::newRow("opt no bias") << "tiny-opt"
                                 << R"({"enable_bias":false,"_remove_final_layer_norm":true,"tie_word_embeddings":false})"
                                 << 2 + 10 * 2 + 1;
    // OPT-350m: post-LN, no final norm, project_in / project_out.
    QTest::newRow("opt-350m") << "tiny-opt-350m" << "{}" << 3 + 16 * 2 + 1;
    // GPT-Neo with an untied LM head.
    QTest::newRow("gpt-neo untied") << "tiny-gpt-neo" << R"({"tie_word_embeddings":false})" << 2 + 13 * 2 + 2 + 1;
}

void TestModernBertGptNeoOpt::variantsLoadAndRun() {
    QFETCH(QString, preset);
    QFETCH(QString, patch);
    QFETCH(int, tensors);
    const std::string name = QTest::currentDataTag();
    ATTNVIZ_UNWRAP(dir, test::writeConfigFixture(m_tmp, name, patched(preset.toStdString(), patch.toStdString())));
    auto file = core::SafetensorsFile::open(dir / "model.safetensors");
    QVERIFY(file.ok());
    QCOMPARE(static_cast<int>(file->tensors().size()), tensors);
    auto model = core::loadModel(dir);
    QVERIFY2(model.ok(), ATTNVIZ_RESULT_MESSAGE(model));
    QVERIFY((*model)->loadWarnings().empty());
    core::RunOptions options;
    options.computeLogits = true;
    auto trace = (*model)->run(std::vector<std::int32_t>{3, 9, 4, 1, 5, 9, 2, 6}, options);
    QVERIFY2(trace.ok(), ATTNVIZ_RESULT_MESSAGE(trace));
    QCOMPARE(trace->logits.size(), std::size_t(8 * 50));
    for (float v : trace->logits) QVERIFY(std::isfinite(v));
}

void TestModernBertGptNeoOpt::unsupportedSettings_data() {
    QTest::addColumn<QString>("preset");
    QTest::addColumn<QString>("patch");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("field");
    const int unsupported = static_cast<int>(ErrorCode::Unsupported);
    const int corrupt = static_cast<int>(ErrorCode::CorruptFile);
    QTest::newRow("opt affine") << "tiny-opt" << R"({"layer_norm_elementwise_affine":false})" << unsupported
                                << "layer_norm_elementwise_affine";
    QTest::newRow("opt activation") << "tiny-opt" << R"({"activation_function":"gelu_fast"})" << unsupported
                                    << "activation_function";
    QTest::newRow("opt proj dim") << "tiny-opt" << R"({"word_embed_proj_dim":0})" << corrupt << "word_embed_proj_dim";
    QTest::newRow("modernbert hidden act") << "tiny-modernbert" << R"({"hidden_activation":"tanh"})" << unsupported
                                           << "hidden_activation";
    QTest::newRow("modernbert head act") << "tiny-modernbert" << R"({"classifier_activation":"tanh"})" << unsupported
                                         << "classifier_activation";
    QTest::newRow("modernbert every 0") << "tiny-modernbert" << R"({"global_attn_every_n_layers":0})" << corrupt
                                        << "global_attn_every_n_layers";
    QTest::newRow("modernbert window 0") << "tiny-modernbert" << R"({"local_attention":0})" << corrupt
                                         << "local_attention";
    QTest::newRow("gpt-neo type") << "tiny-gpt-neo" << R"({"attention_layers":["global","sparse"]})" << unsupported
                                  << "\"sparse\"";
    QTest::newRow("gpt-neo types shape") << "tiny-gpt-neo" << R"({"attention_layers":null,"attention_types":[["global",2]]})"
                                         << corrupt << "attention_types";
    QTest::newRow("gpt-neo window") << "tiny-gpt-neo" << R"({"window_size":0})" << corrupt << "window_size";
    QTest::newRow("gpt-neo activation") << "tiny-gpt-neo" << R"({"activation_function":"gelu_fast"})" << unsupported
                                        << "activation_function";
}

void TestModernBertGptNeoOpt::unsupportedSettings() {
    QFETCH(QString, preset);
    QFETCH(QString, patch);
    QFETCH(int, code);
    QFETCH(QString, field);
    auto c = configOf(preset.toStdString(), patch.toStdString());
    QVERIFY(!c.ok());
    QCOMPARE(static_cast<int>(c.code()), code);
    QVERIFY2(c.error().find(field.toStdString()) != std::string::npos, c.error().c_str());
}

QTEST_APPLESS_MAIN(TestModernBertGptNeoOpt)
#include "test_modernbert_gptneo_opt.moc"
