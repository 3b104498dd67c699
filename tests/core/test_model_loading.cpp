// Loading model folders: configs, tensor names (with and without head-model
// prefixes), tied embeddings, and every kind of bad folder with a clear error.
#include "support/fixture_models.h"
#include "support/verify_result.h"

#include "attnviz/core/model.h"
#include "attnviz/core/safetensors_file.h"
#include "attnviz/core/safetensors_writer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <nlohmann/json.hpp>

using namespace attnviz;
using core::DType;

namespace {

std::string readText(const std::filesystem::path& p) {
    std::ifstream in(p);
    return {std::istreambuf_iterator<char>(in), {}};
}

// Rewrites a model.safetensors with each tensor renamed (or dropped when the
// rename returns "") and optionally reshaped.
core::Status rewriteTensors(const std::filesystem::path& dir, const std::function<std::string(const std::string&)>& rename) {
    const auto path = dir / "model.safetensors";
    std::vector<core::SafetensorsWriter::Entry> entries;
    std::vector<std::vector<float>> data;
    {
        auto file = core::SafetensorsFile::open(path);
        if (!file) return file.takeError();
        for (const auto& t : file->tensors()) {
            const std::string name = rename(t.name);
            if (name.empty()) continue;
            entries.push_back({name, DType::F32, t.shape});
            data.emplace_back(t.numel);
            core::convertToFloat(t.dtype, t.data, t.numel, data.back().data());
        }
    }
    std::filesystem::remove(path);
    return core::SafetensorsWriter::write(path, entries, [&](std::size_t i, std::vector<float>& out) { out = data[i]; });
}

QString loadError(const std::filesystem::path& dir) {
    auto m = core::loadModel(dir);
    return m.ok() ? QString() : QString::fromStdString(m.error());
}

}  // namespace

class TestModelLoading : public QObject {
    Q_OBJECT

private slots:
    void everyTinyPresetLoads();
    void halfPrecisionWeightsLoad();
    void unprefixedNamesGiveSameAttention();
    void tiedAndUntiedEmbeddings();
    void badFolders_data();
    void badFolders();
    void runRejectsBadInput();
    void cancelStopsARun();
};

void TestModelLoading::everyTinyPresetLoads() {
    QTemporaryDir tmp;
    for (const auto& preset : test::tinyPresets()) {
        ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, preset));
        auto m = core::loadModel(dir);
        QVERIFY2(m.ok(), m.ok() ? "" : m.error().c_str());
        QCOMPARE((*m)->name(), preset);
        QCOMPARE((*m)->config().nLayers, 2);
    }
}

void TestModelLoading::halfPrecisionWeightsLoad() {
    QTemporaryDir tmp;
    for (DType dt : {DType::F16, DType::BF16}) {
        ATTNVIZ_UNWRAP(f32, test::writeFixture(tmp, "tiny-gpt2", 3, DType::F32));
        std::filesystem::rename(f32, f32.string() + "-f32");
        ATTNVIZ_UNWRAP(half, test::writeFixture(tmp, "tiny-gpt2", 3, dt));
        auto a = core::loadModel(f32.string() + "-f32");
        auto b = core::loadModel(half);
        QVERIFY(a.ok() && b.ok());
        const std::vector<std::int32_t> ids = {1, 5, 9, 3};
        auto ta = (*a)->run(ids, {});
        auto tb = (*b)->run(ids, {});
        QVERIFY(ta.ok() && tb.ok());
        // Same seeded weights rounded to 16 bits: close, not equal.
        float worst = 0;
        for (int h = 0; h < 2; ++h)
            for (int i = 0; i < 4; ++i)
                for (int j = 0; j <= i; ++j) worst = std::max(worst, std::fabs(ta->prob(1, h, i, j) - tb->prob(1, h, i, j)));
        QVERIFY2(worst < 0.05f, qPrintable(QString::number(worst)));
        std::filesystem::remove_all(f32.string() + "-f32");
        std::filesystem::remove_all(half);
    }
}

void TestModelLoading::unprefixedNamesGiveSameAttention() {
    // A bare BertModel / GPT2Model / LlamaModel checkpoint has no "bert." /
    // "transformer." / "model." prefix; the name tables accept both.
    QTemporaryDir tmp;
    for (const auto& [preset, prefix] : std::vector<std::pair<std::string, std::string>>{
             {"tiny-bert", "bert."}, {"tiny-gpt2", "transformer."}, {"tiny-llama", "model."}, {"tiny-distilbert", "distilbert."}}) {
        ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, preset));
        auto before = core::loadModel(dir);
        QVERIFY(before.ok());
        const std::vector<std::int32_t> ids = {2, 7, 11, 4, 30};
        auto t1 = (*before)->run(ids, {});
        before.value().reset();
        const std::string strip = prefix;  // clang 14 cannot capture structured bindings
        ATTNVIZ_VERIFY_OK(rewriteTensors(dir, [&](const std::string& n) {
            return n.rfind(strip, 0) == 0 ? n.substr(strip.size()) : n;
        }));
        auto after = core::loadModel(dir);
        QVERIFY2(after.ok(), after.ok() ? "" : after.error().c_str());
        auto t2 = (*after)->run(ids, {});
        QVERIFY(t1.ok() && t2.ok());
        for (int l = 0; l < 2; ++l)
            for (int h = 0; h < 2; ++h)
                for (int i = 0; i < 5; ++i)
                    for (int j = 0; j < 5; ++j) QCOMPARE(t1->prob(l, h, i, j), t2->prob(l, h, i, j));
    }
}

void TestModelLoading::tiedAndUntiedEmbeddings() {
    QTemporaryDir tmp;
    // tiny-mistral is untied: dropping lm_head.weight must fail, naming it.
    ATTNVIZ_UNWRAP(untied, test::writeFixture(tmp, "tiny-mistral"));
    QVERIFY(core::loadModel(untied).ok());
    ATTNVIZ_VERIFY_OK(rewriteTensors(untied, [](const std::string& n) { return n == "lm_head.weight" ? std::string() : n; }));
    QVERIFY(loadError(untied).contains("'lm_head.weight' is missing"));
    // tiny-llama is tied: no lm_head in the file, logits come from the embeddings.
    ATTNVIZ_UNWRAP(tied, test::writeFixture(tmp, "tiny-llama"));
    auto m = core::loadModel(tied);
    QVERIFY(m.ok());
    core::RunOptions options;
    options.computeLogits = true;
    auto trace = (*m)->run(std::vector<std::int32_t>{1, 2, 3}, options);
    QVERIFY(trace.ok());
    QCOMPARE(trace->logits.size(), std::size_t(3 * 50));
}

void TestModelLoading::badFolders_data() {
    QTest::addColumn<QString>("breakage");
    QTest::addColumn<QString>("expected");
    QTest::newRow("not a folder") << "file" << "is not a folder";
    QTest::newRow("no config") << "no-config" << "no config.json";
    QTest::newRow("config not json") << "config-garbage" << "not valid JSON";
    QTest::newRow("config missing field") << "config-missing" << "missing required field \"num_hidden_layers\"";
    QTest::newRow("config bad type") << "config-type" << "must be an integer";
    QTest::newRow("unknown model_type") << "unknown-type" << "unsupported architecture \"mamba\"";
    QTest::newRow("no weights") << "no-weights" << "no weights";
    QTest::newRow("missing tensor") << "missing-tensor" << "'model.layers.1.self_attn.k_proj.weight' is missing";
    QTest::newRow("wrong shape") << "wrong-shape" << "has shape [4, 8], expected [8, 8]";
    QTest::newRow("truncated weights") << "truncated" << "model.safetensors";
    QTest::newRow("heads not dividing") << "bad-heads" << "not a multiple of num_key_value_heads";
    QTest::newRow("unsupported rope scaling") << "rope-yarn" << "rope_scaling type \"yarn\" is not supported";
}

void TestModelLoading::badFolders() {
    QFETCH(QString, breakage);
    QFETCH(QString, expected);
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, "tiny-llama"));
    auto editConfig = [&](const std::function<void(nlohmann::json&)>& edit) {
        auto j = nlohmann::json::parse(readText(dir / "config.json"));
        edit(j);
        std::ofstream(dir / "config.json") << j.dump();
    };
    std::filesystem::path target = dir;
    if (breakage == "file") target = dir / "config.json";
    else if (breakage == "no-config") std::filesystem::remove(dir / "config.json");
    else if (breakage == "config-garbage") std::ofstream(dir / "config.json") << "{\"model_type\": ";
    else if (breakage == "config-missing") editConfig([](auto& j) { j.erase("num_hidden_layers"); });
    else if (breakage == "config-type") editConfig([](auto& j) { j["num_attention_heads"] = "two"; });
    else if (breakage == "unknown-type") editConfig([](auto& j) { j["model_type"] = "mamba"; });
    else if (breakage == "no-weights") std::filesystem::remove(dir / "model.safetensors");
    else if (breakage == "missing-tensor")
        ATTNVIZ_VERIFY_OK(rewriteTensors(dir, [](const std::string& n) { return n == "model.layers.1.self_attn.k_proj.weight" ? "" : n; }));
    else if (breakage == "wrong-shape") editConfig([](auto& j) { j["num_key_value_heads"] = 2; });
    else if (breakage == "truncated") std::filesystem::resize_file(dir / "model.safetensors", 600);
    else if (breakage == "bad-heads") editConfig([](auto& j) { j["num_attention_heads"] = 2; j["num_key_value_heads"] = 3; });
    else if (breakage == "rope-yarn") editConfig([](auto& j) { j["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 2.0}}; });
    const QString error = loadError(target);
    QVERIFY2(!error.isEmpty(), "the broken folder must not load");
    QVERIFY2(error.contains(expected), qPrintable(error));
    if (breakage == "unknown-type") QVERIFY(error.contains("supported: bert"));
}

void TestModelLoading::runRejectsBadInput() {
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(bertDir, test::writeFixture(tmp, "tiny-bert"));
    auto bert = core::loadModel(bertDir);
    QVERIFY(bert.ok());
    auto expectError = [&](const std::vector<std::int32_t>& ids, const core::RunOptions& o, const char* expected) {
        auto r = (*bert)->run(ids, o);
        QVERIFY(!r.ok());
        QVERIFY2(QString::fromStdString(r.error()).contains(expected), r.error().c_str());
    };
    expectError({}, {}, "no tokens");
    expectError({1, 50}, {}, "outside the vocabulary");
    expectError({1, -1}, {}, "outside the vocabulary");
    expectError(std::vector<std::int32_t>(65, 1), {}, "at most 64");
    core::RunOptions types;
    types.tokenTypeIds = {0, 1};
    expectError({1, 2, 3}, types, "2 token types for 3 tokens");
    types.tokenTypeIds = {0, 2, 0};
    expectError({1, 2, 3}, types, "token type 2");
    types.tokenTypeIds = {0, 1, 1};
    QVERIFY((*bert)->run(std::vector<std::int32_t>{1, 2, 3}, types).ok());
}

void TestModelLoading::cancelStopsARun() {
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, "tiny-gpt2"));
    auto m = core::loadModel(dir);
    QVERIFY(m.ok());
    std::atomic<bool> cancel{true};
    core::RunOptions o;
    o.cancel = &cancel;
    auto r = (*m)->run(std::vector<std::int32_t>{1, 2}, o);
    QVERIFY(!r.ok());
    QVERIFY(QString::fromStdString(r.error()).contains("cancelled"));
}

QTEST_APPLESS_MAIN(TestModelLoading)
#include "test_model_loading.moc"
