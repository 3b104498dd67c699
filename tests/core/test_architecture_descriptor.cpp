// Each architecture's tensor list (core/src/models/architecture_tensors.cpp)
// against the files: make-model writes exactly the list, real checkpoints
// hold exactly the list, a missing required tensor fails naming the file,
// the tensor and its shape, an unknown tensor loads with a warning naming it,
// and every failure carries its error code. Each architecture's row
// (core/src/models/architectures.cpp) is reachable from its model_type.
#include "support/fixture_models.h"
#include "support/verify_result.h"
#include "support/test_paths.h"

#include "attnviz/core/model.h"
#include "attnviz/core/random_model.h"
#include "attnviz/core/safetensors_file.h"
#include "attnviz/core/safetensors_writer.h"
#include "models/architectures.h"

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

using namespace attnviz;
using core::ErrorCode;
using core::TensorNeed;

namespace {

using Shapes = std::map<std::string, std::vector<std::int64_t>>;

std::string shapeText(const std::vector<std::int64_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

std::string joined(const std::vector<std::string>& lines) {
    std::string s;
    for (const auto& l : lines) s += l + "\n";
    return s;
}

Shapes fileTensors(const std::filesystem::path& dir) {
    auto file = core::SafetensorsFile::open(dir / "model.safetensors");
    if (!file) qFatal("%s", file.error().c_str());
    Shapes out;
    for (const auto& t : file->tensors()) out[t.name] = t.shape;
    return out;
}

// The list of `dir`'s config, expanded per layer and named with `prefix` on
// body tensors, split by need.
struct Expected {
    Shapes required;  // Required entries (a group's only when its key tensor is in `present`)
    Shapes optional;
    Shapes ignored;
};

Expected expectedTensors(const core::ModelConfig& config, const std::string& prefix, const Shapes& present) {
    const core::WeightNameTable& table = core::weightNameTable(config.architecture);
    const std::vector<core::TensorSpec> specs = core::architectureTensors(config);
    Expected e;
    for (const core::TensorSlot& slot : core::expandTensors(specs, config.nLayers)) {
        const std::string name = core::tensorName(table, prefix, slot.spec->role, slot.layer);
        if (name.empty()) qFatal("a listed role has no name");
        const bool groupAbsent = slot.spec->onlyWith &&
                                 !present.count(core::tensorName(table, prefix, *slot.spec->onlyWith, slot.layer));
        switch (slot.spec->need) {
        case TensorNeed::Required: (groupAbsent ? e.optional : e.required)[name] = slot.spec->shape; break;
        case TensorNeed::Optional: e.optional[name] = slot.spec->shape; break;
        case TensorNeed::Ignored: e.ignored[name] = slot.spec->shape; break;
        case TensorNeed::Absent: qFatal("an Absent entry left in the list"); break;
        }
    }
    return e;
}

core::ModelConfig configOf(const std::filesystem::path& dir) {
    auto config = core::ModelConfig::fromFile(dir / "config.json");
    if (!config) qFatal("%s", config.error().c_str());
    return config.value();
}

// Rewrites model.safetensors: `keep` says which tensors stay, `extra` adds
// tensors (filled with 0.5).
void rewriteTensors(const std::filesystem::path& dir, const std::function<bool(const std::string&)>& keep,
                    const Shapes& extra = {}) {
    const auto path = dir / "model.safetensors";
    std::vector<core::SafetensorsWriter::Entry> entries;
    std::vector<std::vector<float>> data;
    {
        auto file = core::SafetensorsFile::open(path);
        if (!file) qFatal("%s", file.error().c_str());
        for (const auto& t : file->tensors()) {
            if (!keep(t.name)) continue;
            entries.push_back({t.name, core::DType::F32, t.shape});
            data.emplace_back(t.numel);
            core::convertToFloat(t.dtype, t.data, t.numel, data.back().data());
        }
    }
    for (const auto& [name, shape] : extra) {
        entries.push_back({name, core::DType::F32, shape});
        std::int64_t n = 1;
        for (auto s : shape) n *= s;
        data.emplace_back(static_cast<std::size_t>(n), 0.5f);
    }
    std::filesystem::remove(path);
    auto fill = [&](std::size_t i, std::vector<float>& out) { out = data[i]; };
    if (!core::SafetensorsWriter::write(path, entries, fill)) {
        qFatal("rewrite failed");
    }
}

std::vector<std::string> tinyPresetsOfMakeModel() {
    std::vector<std::string> tiny;
    for (const auto& p : core::randomModelPresets()) {
        if (p.rfind("tiny-", 0) == 0) tiny.push_back(p);
    }
    return tiny;
}

void addPresetRows() {
    QTest::addColumn<QString>("preset");
    for (const auto& p : tinyPresetsOfMakeModel()) QTest::newRow(p.c_str()) << QString::fromStdString(p);
}

}  // namespace

class TestArchitectureDescriptor : public QObject {
    Q_OBJECT

private slots:
    void everyArchitectureHasAPreset();
    void writtenModelIsTheList_data() { addPresetRows(); }
    void writtenModelIsTheList();
    void realCheckpointsAreTheList_data();
    void realCheckpointsAreTheList();
    void missingRequiredTensorFails_data() { addPresetRows(); }
    void missingRequiredTensorFails();
    void wrongShapeFails();
    void extraTensorWarns_data() { addPresetRows(); }
    void extraTensorWarns();
    void knownUnusedTensorsDoNotWarn();
    void mlmHeadIsAllOrNothing();
    void electraWithoutGeneratorHead();
    void encoderVariantConfigs();
    void shardedFolders();
    void errorCodes();
    void readmeListsEveryModelType();
};

void TestArchitectureDescriptor::everyArchitectureHasAPreset() {
    // Each model_type maps to one of the families; make-model has a tiny
    // preset for each architecture, so the tests below cover them all.
    std::set<core::Architecture> covered;
    for (const auto& p : tinyPresetsOfMakeModel()) {
        auto json = core::randomModelConfig(p);
        QVERIFY(json.ok());
        auto config = core::ModelConfig::fromJson(*json, p);
        QVERIFY2(config.ok(), config.ok() ? "" : config.error().c_str());
        covered.insert(config->architecture);
        // Its row is its own (no fall-back row), and names it by model_type.
        const core::ArchitectureInfo& info = core::architectureInfo(config->architecture);
        QVERIFY(info.architecture == config->architecture);
        QVERIFY(core::architectureForModelType(config->modelType) == &info);
        QCOMPARE(config->isEncoder(), info.bidirectional);
    }
    QCOMPARE(covered.size(), core::architectures().size());
    QVERIFY(core::architectureForModelType("mamba") == nullptr);
    const std::vector<std::string> types = {"bert",  "roberta", "xlm-roberta", "distilbert", "gpt2",
                                            "llama", "mistral", "qwen2",       "gemma",      "gemma2",
                                            "phi3",  "gpt_neox", "falcon",      "albert",     "electra",
                                            "longformer", "modernbert", "gpt_neo", "opt"};

    QVERIFY(core::ModelConfig::supportedTypes() == types);
    auto unknown = core::ModelConfig::fromJson(R"({"model_type": "mamba", "vocab_size": 5})", "test");
    QVERIFY(!unknown.ok());
    QCOMPARE(unknown.code(), ErrorCode::Unsupported);
}

void TestArchitectureDescriptor::writtenModelIsTheList() {
    QFETCH(QString, preset);
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, preset.toStdString()));
    const core::ModelConfig config = configOf(dir);
    const Shapes file = fileTensors(dir);
    const std::string prefix = core::weightNameTable(config.architecture).bodyPrefixes.front();
    const Expected e = expectedTensors(config, prefix, file);
    // Every required tensor is written with its listed shape...
    for (const auto& [name, shape] : e.required) {
        QVERIFY2(file.count(name), ("not written: " + name).c_str());
        QCOMPARE(shapeText(file.at(name)), shapeText(shape));
    }
    // ... and nothing else but optional entries of the list, with their shapes.
    for (const auto& [name, shape] : file) {
        if (e.required.count(name)) continue;
        QVERIFY2(e.optional.count(name), ("written but not in the list (or ignored): " + name).c_str());
        QCOMPARE(shapeText(shape), shapeText(e.optional.at(name)));
    }
    // Counts pinned by hand: embeddings + per-layer x 2 layers + final/head.
    const std::map<std::string, std::size_t> counts = {
        {"tiny-bert", 5 + 16 * 2 + 5},      {"tiny-roberta", 5 + 16 * 2 + 5}, {"tiny-distilbert", 4 + 16 * 2 + 5},
        {"tiny-gpt2", 2 + 12 * 2 + 2},      {"tiny-llama", 1 + 9 * 2 + 1},    {"tiny-mistral", 1 + 9 * 2 + 2},
        {"tiny-qwen2", 1 + 12 * 2 + 1},
        {"tiny-gemma", 1 + 9 * 2 + 1},      {"tiny-gemma2", 1 + 11 * 2 + 1},  {"tiny-phi3", 1 + 6 * 2 + 2},
        {"tiny-gpt-neox", 1 + 12 * 2 + 3},  // untied embed_out
        {"tiny-falcon", 1 + 12 * 2 + 2},    // bias=true, tied lm_head
        {"tiny-albert", 5 + 2 + 16 + 5},    // one shared layer
        {"tiny-electra", 5 + 2 + 16 * 2 + 5},
        {"tiny-longformer", 5 + 22 * 2 + 5},
        // ModernBERT: 2 embeddings, 5 per layer, layer 1's attn_norm (layer 0
        // has none), final_norm, 3 in the head.
        {"tiny-modernbert", 2 + 5 * 2 + 1 + 1 + 3},
        {"tiny-gpt-neo", 2 + 13 * 2 + 2},
        {"tiny-opt", 2 + 16 * 2 + 2},
        // post-LN: no final norm; project_in and project_out.
        {"tiny-opt-350m", 3 + 16 * 2 + 1},
    };
    QVERIFY(counts.count(preset.toStdString()));
    QCOMPARE(file.size(), counts.at(preset.toStdString()));

    auto model = core::loadModel(dir);
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().c_str());
    QVERIFY2((*model)->loadWarnings().empty(), joined((*model)->loadWarnings()).c_str());
}

void TestArchitectureDescriptor::realCheckpointsAreTheList_data() {
    QTest::addColumn<QString>("dir");
    if (auto golden = test::goldenDir()) {
        for (const char* name :
             {"bert", "roberta", "distilbert", "gpt2", "llama", "llama-rope-linear", "mistral", "qwen2"}) {
            QTest::newRow(name) << QString::fromStdString((*golden / "fixtures" / name).string());
        }
        // Every fixture of ../shared/golden/archs.
        const auto archs = *golden / "archs" / "fixtures";
        if (std::filesystem::is_directory(archs)) {
            std::vector<std::filesystem::path> dirs;
            for (const auto& e : std::filesystem::directory_iterator(archs)) dirs.push_back(e.path());
            std::sort(dirs.begin(), dirs.end());
            for (const auto& d : dirs) QTest::newRow(d.filename().string().c_str()) << QString::fromStdString(d.string());
        }
    }
    if (auto models = test::modelsDir()) {
        QTest::newRow("stories260K") << QString::fromStdString((*models / "stories260K").string());
    }
    for (const char* name : {"attnviz-bert-gutenberg", "attnviz-gpt2-gutenberg"}) {
        QTest::newRow(name) << QString::fromStdString((test::sourceDir() / "resources" / "models" / name).string());
    }
}

void TestArchitectureDescriptor::realCheckpointsAreTheList() {
    // Hugging Face checkpoints (saved by transformers) hold exactly the
    // list's required tensors plus some of its optional ones, and load
    // without warnings.
    QFETCH(QString, dir);
    const std::filesystem::path path = dir.toStdString();
    if (!std::filesystem::exists(path / "model.safetensors")) QSKIP("checkpoint not present (../shared)");
    const core::ModelConfig config = configOf(path);
    const Shapes file = fileTensors(path);
    std::string prefix;
    const core::WeightNameTable& table = core::weightNameTable(config.architecture);
    for (const auto& p : table.bodyPrefixes) {
        if (file.count(p + table.body.at(core::TensorRole::TokenEmbedding))) {
            prefix = p;
            break;
        }
    }
    const Expected e = expectedTensors(config, prefix, file);
    for (const auto& [name, shape] : e.required) {
        QVERIFY2(file.count(name), ("required but absent: " + name).c_str());
        QCOMPARE(shapeText(file.at(name)), shapeText(shape));
    }
    for (const auto& [name, shape] : file) {
        QVERIFY2(e.required.count(name) || e.optional.count(name), ("in the file, not in the list: " + name).c_str());
    }
    auto model = core::loadModel(path);
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().c_str());
    QVERIFY2((*model)->loadWarnings().empty(), joined((*model)->loadWarnings()).c_str());
}

void TestArchitectureDescriptor::missingRequiredTensorFails() {
    // Dropping any one required tensor fails the load with CorruptFile, and
    // the message names the file, the tensor and its expected shape.
    QFETCH(QString, preset);
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, preset.toStdString()));
    const core::ModelConfig config = configOf(dir);
    const Shapes original = fileTensors(dir);
    const std::string prefix = core::weightNameTable(config.architecture).bodyPrefixes.front();
    const Expected e = expectedTensors(config, prefix, original);
    QVERIFY(!e.required.empty());
    const auto backup = dir.string() + ".orig";
    std::filesystem::copy_file(dir / "model.safetensors", backup);
    for (const auto& [name, shape] : e.required) {
        std::filesystem::copy_file(backup, dir / "model.safetensors",
                                   std::filesystem::copy_options::overwrite_existing);
        const std::string dropped = name;  // clang 14 cannot capture structured bindings
        rewriteTensors(dir, [&](const std::string& n) { return n != dropped; });
        auto model = core::loadModel(dir);
        QVERIFY2(!model.ok(), ("loaded without " + name).c_str());
        QCOMPARE(model.code(), ErrorCode::CorruptFile);
        const std::string expected =
            "tensor '" + name + "' is missing from 'model.safetensors' (expected shape " + shapeText(shape);
        QVERIFY2(model.error().find(expected) != std::string::npos, model.error().c_str());
        QVERIFY2(model.error().find(dir.string()) != std::string::npos, model.error().c_str());
    }
}

void TestArchitectureDescriptor::wrongShapeFails() {
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, "tiny-gpt2"));
    const std::string name = "transformer.h.1.mlp.c_fc.weight";  // Conv1D (dModel, dFF) = (8, 32)
    rewriteTensors(dir, [&](const std::string& n) { return n != name; }, {{name, {32, 8}}});
    auto model = core::loadModel(dir);
    QVERIFY(!model.ok());
    QCOMPARE(model.code(), ErrorCode::CorruptFile);
    QVERIFY2(model.error().find("'" + name + "'") != std::string::npos, model.error().c_str());
    QVERIFY2(model.error().find("has shape [32, 8], expected [8, 32]") != std::string::npos, model.error().c_str());
}

void TestArchitectureDescriptor::extraTensorWarns() {
    // A tensor no entry uses does not stop the load: it is named in one
    // warning, as transformers does ("Some weights ... were not used").
    QFETCH(QString, preset);
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, preset.toStdString()));
    auto before = core::loadModel(dir);
    QVERIFY(before.ok());
    const std::vector<std::int32_t> ids = {3, 1, 4, 1, 5};
    auto t1 = (*before)->run(ids, {});
    QVERIFY(t1.ok());
    before.value().reset();

    rewriteTensors(dir, [](const std::string&) { return true; },
                   {{"classifier.weight", {3, 8}}, {"adapter.layers.0.scale", {8}}});
    auto after = core::loadModel(dir);
    QVERIFY2(after.ok(), after.ok() ? "" : after.error().c_str());
    const auto& warnings = (*after)->loadWarnings();
    QCOMPARE(warnings.size(), std::size_t(1));
    const std::string expected = "2 tensors in 'model.safetensors' are not used by a \"" + configOf(dir).modelType +
                                 "\" model (ignored): adapter.layers.0.scale, classifier.weight";
    QVERIFY2(warnings[0].find(expected) != std::string::npos, warnings[0].c_str());
    // The extra tensors change nothing.
    auto t2 = (*after)->run(ids, {});
    QVERIFY(t2.ok());
    const std::size_t n = std::size_t(ids.size()) * ids.size();
    for (int l = 0; l < t1->nLayers(); ++l)
        for (int h = 0; h < t1->nHeads(); ++h)
            QVERIFY(std::equal(t1->probs(l, h), t1->probs(l, h) + n, t2->probs(l, h)));
}

void TestArchitectureDescriptor::knownUnusedTensorsDoNotWarn() {
    // Buffers and tied copies that transformers itself skips: no warning.
    struct Case {
        std::string preset;
        Shapes extra;
    };
    const std::vector<Case> cases = {
        {"tiny-bert", {{"bert.embeddings.position_ids", {1, 64}}, {"bert.pooler.dense.weight", {8, 8}},
                       {"bert.pooler.dense.bias", {8}}, {"cls.predictions.decoder.weight", {50, 8}},
                       {"cls.predictions.decoder.bias", {50}}}},
        {"tiny-roberta", {{"roberta.pooler.dense.weight", {8, 8}}, {"lm_head.decoder.bias", {50}}}},
        {"tiny-gpt2", {{"transformer.h.0.attn.bias", {1, 1, 64, 64}}, {"transformer.h.1.attn.masked_bias", {}},
                       {"lm_head.weight", {50, 8}}}},
        {"tiny-llama", {{"model.layers.1.self_attn.rotary_emb.inv_freq", {2}}, {"lm_head.weight", {50, 8}}}},
        {"tiny-albert", {{"albert.embeddings.position_ids", {1, 64}}, {"albert.pooler.weight", {8, 8}},
                         {"albert.pooler.bias", {8}}, {"predictions.decoder.weight", {50, 4}},
                         {"predictions.decoder.bias", {50}}}},
        {"tiny-electra", {{"electra.embeddings.position_ids", {1, 64}}, {"generator_lm_head.weight", {50, 4}},
                          {"discriminator_predictions.dense.weight", {8, 8}},
                          {"discriminator_predictions.dense.bias", {8}},
                          {"discriminator_predictions.dense_prediction.weight", {1, 8}},
                          {"discriminator_predictions.dense_prediction.bias", {1}}}},
        {"tiny-longformer", {{"longformer.embeddings.position_ids", {1, 66}}, {"longformer.pooler.dense.weight", {8, 8}},
                             {"longformer.pooler.dense.bias", {8}}, {"lm_head.decoder.weight", {50, 8}},
                             {"lm_head.decoder.bias", {50}}}},
        {"tiny-gpt-neo", {{"transformer.h.0.attn.attention.bias", {1, 1, 64, 64}},
                          {"transformer.h.1.attn.attention.masked_bias", {}}, {"lm_head.weight", {50, 8}}}},
        {"tiny-opt", {{"lm_head.weight", {50, 8}}}},
        {"tiny-modernbert", {{"decoder.weight", {50, 8}}}},
    };
    QTemporaryDir tmp;
    for (const Case& c : cases) {
        ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, c.preset));
        rewriteTensors(dir, [](const std::string&) { return true; }, c.extra);
        auto model = core::loadModel(dir);
        QVERIFY2(model.ok(), model.ok() ? "" : model.error().c_str());
        QVERIFY2((*model)->loadWarnings().empty(), joined((*model)->loadWarnings()).c_str());
    }
    // Untied, the same lm_head.weight is used: a wrong shape fails.
    ATTNVIZ_UNWRAP(untied, test::writeFixture(tmp, "tiny-mistral"));
    rewriteTensors(untied, [](const std::string& n) { return n != "lm_head.weight"; }, {{"lm_head.weight", {8, 50}}});
    auto model = core::loadModel(untied);
    QVERIFY(!model.ok());
    QCOMPARE(model.code(), ErrorCode::CorruptFile);
    QVERIFY2(model.error().find("'lm_head.weight'") != std::string::npos, model.error().c_str());
}

void TestArchitectureDescriptor::mlmHeadIsAllOrNothing() {
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, "tiny-bert"));
    core::RunOptions logits;
    logits.computeLogits = true;
    const std::vector<std::int32_t> ids = {2, 9, 4};
    {
        auto m = core::loadModel(dir);
        QVERIFY(m.ok());
        QVERIFY((*m)->run(ids, logits).ok());
    }
    // Without the head's key tensor the head is absent: the encoder loads,
    // attention runs, predictions fail as Unsupported, and the head's other
    // tensors, now unused, are listed.
    rewriteTensors(dir, [](const std::string& n) { return n != "cls.predictions.transform.dense.weight"; });
    auto m = core::loadModel(dir);
    QVERIFY2(m.ok(), m.ok() ? "" : m.error().c_str());
    QVERIFY((*m)->run(ids, {}).ok());
    auto r = (*m)->run(ids, logits);
    QVERIFY(!r.ok());
    QCOMPARE(r.code(), ErrorCode::Unsupported);
    QCOMPARE((*m)->loadWarnings().size(), std::size_t(1));
    const std::string& w = (*m)->loadWarnings().front();
    QVERIFY2(w.find("4 tensors in 'model.safetensors' are not used") != std::string::npos, w.c_str());
    QVERIFY2(w.find("cls.predictions.transform.dense.bias") != std::string::npos, w.c_str());
    // Without a later tensor of the head (its key present) loading fails.
    ATTNVIZ_UNWRAP(dir2, test::writeFixture(tmp, "tiny-roberta"));
    rewriteTensors(dir2, [](const std::string& n) { return n != "lm_head.layer_norm.weight"; });
    auto broken = core::loadModel(dir2);
    QVERIFY(!broken.ok());
    QCOMPARE(broken.code(), ErrorCode::CorruptFile);
    QVERIFY2(broken.error().find("tensor 'lm_head.layer_norm.weight' is missing") != std::string::npos,
             broken.error().c_str());
}

void TestArchitectureDescriptor::electraWithoutGeneratorHead() {
    // An ElectraForPreTraining (discriminator) checkpoint: the encoder and the
    // replaced-token head, no generator head. It loads without a warning (the
    // discriminator head is known and not run), attention runs, predictions
    // fail as Unsupported.
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, "tiny-electra"));
    rewriteTensors(dir, [](const std::string& n) { return n.rfind("generator_", 0) != 0; },
                   {{"discriminator_predictions.dense.weight", {8, 8}},
                    {"discriminator_predictions.dense.bias", {8}},
                    {"discriminator_predictions.dense_prediction.weight", {1, 8}},
                    {"discriminator_predictions.dense_prediction.bias", {1}}});
    auto m = core::loadModel(dir);
    QVERIFY2(m.ok(), m.ok() ? "" : m.error().c_str());
    QVERIFY2((*m)->loadWarnings().empty(), joined((*m)->loadWarnings()).c_str());
    const std::vector<std::int32_t> ids = {2, 9, 4};
    QVERIFY((*m)->run(ids, {}).ok());
    core::RunOptions logits;
    logits.computeLogits = true;
    auto r = (*m)->run(ids, logits);
    QVERIFY(!r.ok());
    QCOMPARE(r.code(), ErrorCode::Unsupported);
}

void TestArchitectureDescriptor::encoderVariantConfigs() {
    // The config fields of ALBERT, ELECTRA and Longformer that change the
    // model, read from a tiny preset's config with one field changed.
    auto read = [](const char* preset, const nlohmann::json& patch) {
        auto json = core::randomModelConfig(preset);
        if (!json) qFatal("%s", json.error().c_str());
        nlohmann::json j = nlohmann::json::parse(*json);
        j.merge_patch(patch);
        return core::ModelConfig::fromJson(j.dump(), preset);
    };
    auto fails = [&](const char* preset, const nlohmann::json& patch, ErrorCode code, const std::string& text) {
        auto c = read(preset, patch);
        QVERIFY2(!c.ok(), ("accepted " + patch.dump()).c_str());
        QCOMPARE(c.code(), code);
        QVERIFY2(c.error().find(text) != std::string::npos, c.error().c_str());
    };
    // ALBERT runs one group of one layer.
    fails("tiny-albert", {{"num_hidden_groups", 2}}, ErrorCode::Unsupported, "num_hidden_groups = 2 is not supported");
    fails("tiny-albert", {{"inner_group_num", 3}}, ErrorCode::Unsupported, "inner_group_num = 3 is not supported");
    auto albert = read("tiny-albert", nlohmann::json::object());
    QVERIFY(albert.ok());
    QCOMPARE(albert->embeddingSize, 4);
    QVERIFY(albert->layerKinds.empty() && !albert->globalAttention);

    // ELECTRA: embeddings_project only when the widths differ.
    auto hasProjection = [](const core::ModelConfig& c) {
        const auto specs = core::architectureTensors(c);
        return std::any_of(specs.begin(), specs.end(),
                           [](const core::TensorSpec& s) { return s.role == core::TensorRole::EmbedProjectWeight; });
    };
    auto electra = read("tiny-electra", nlohmann::json::object());
    QVERIFY(electra.ok());
    QVERIFY(hasProjection(*electra));
    auto electraSame = read("tiny-electra", {{"embedding_size", 8}});
    QVERIFY(electraSame.ok());
    QVERIFY(!hasProjection(*electraSame));

    // Longformer: attention_window is one even width or one per layer; every
    // layer is local (symmetric) and global tokens are on.
    auto longformer = read("tiny-longformer", nlohmann::json::object());
    QVERIFY(longformer.ok());
    QVERIFY(longformer->globalAttention);
    QCOMPARE(longformer->positionOffset, 2);
    QVERIFY(longformer->layerKinds ==
            (std::vector<core::LayerKind>{core::LayerKind::symmetricWindow(4), core::LayerKind::symmetricWindow(8)}));
    auto one = read("tiny-longformer", {{"attention_window", 6}});
    QVERIFY(one.ok());
    QVERIFY(one->layerKinds == std::vector<core::LayerKind>(2, core::LayerKind::symmetricWindow(6)));
    fails("tiny-longformer", {{"attention_window", nlohmann::json::array({4})}}, ErrorCode::CorruptFile,
          "attention_window lists 1 window for 2 layers");
    fails("tiny-longformer", {{"attention_window", 5}}, ErrorCode::CorruptFile, "must be positive and even, got 5");
    fails("tiny-longformer", {{"attention_window", "wide"}}, ErrorCode::CorruptFile,
          "\"attention_window\" must be an integer or a list of integers");
}

void TestArchitectureDescriptor::shardedFolders() {
    // Split tiny-llama into two shards and an index: the messages name the
    // index (the shards it lists are the file).
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, "tiny-llama"));
    auto shard = [&](bool dropKey, bool addExtra) {
        std::vector<core::SafetensorsWriter::Entry> entries[2];
        std::vector<std::vector<float>> data[2];
        nlohmann::json map = nlohmann::json::object();
        {
            auto file = core::SafetensorsFile::open(dir / "model.safetensors");
            if (!file) qFatal("%s", file.error().c_str());
            std::vector<core::TensorInfo> tensors = file->tensors();
            // An extra tensor whose values are the embedding's first 8.
            if (addExtra) tensors.push_back({"extra.bias", core::DType::F32, {8}, 8, tensors.front().data, 32});
            for (const auto& t : tensors) {
                if (dropKey && t.name == "model.layers.1.self_attn.k_proj.weight") continue;
                const int s = t.name.find("layers.1.") != std::string::npos ? 1 : 0;
                entries[s].push_back({t.name, core::DType::F32, t.shape});
                data[s].emplace_back(t.numel);
                core::convertToFloat(t.dtype, t.data, t.numel, data[s].back().data());
                map[t.name] = "model-0000" + std::to_string(s + 1) + "-of-00002.safetensors";
            }
        }
        const auto out = std::filesystem::path(dir.string() + (dropKey ? "-missing" : "-extra"));
        std::filesystem::create_directories(out);
        std::filesystem::copy_file(dir / "config.json", out / "config.json");
        for (int s = 0; s < 2; ++s) {
            const auto path = out / ("model-0000" + std::to_string(s + 1) + "-of-00002.safetensors");
            auto fill = [&](std::size_t i, std::vector<float>& v) { v = data[s][i]; };
            if (!core::SafetensorsWriter::write(path, entries[s], fill)) qFatal("shard write failed");
        }
        std::ofstream(out / "model.safetensors.index.json") << nlohmann::json{{"weight_map", map}}.dump();
        return out;
    };
    auto missing = core::loadModel(shard(true, false));
    QVERIFY(!missing.ok());
    QCOMPARE(missing.code(), ErrorCode::CorruptFile);
    QVERIFY2(missing.error().find("tensor 'model.layers.1.self_attn.k_proj.weight' is missing from the shards listed "
                                  "in 'model.safetensors.index.json' (expected shape [4, 8])") != std::string::npos,
             missing.error().c_str());
    auto extra = core::loadModel(shard(false, true));
    QVERIFY2(extra.ok(), extra.ok() ? "" : extra.error().c_str());
    QCOMPARE((*extra)->loadWarnings().size(), std::size_t(1));
    const std::string& warning = (*extra)->loadWarnings()[0];
    QVERIFY2(warning.find("1 tensor in the shards listed in 'model.safetensors.index.json' is not used by a "
                          "\"llama\" model (ignored): extra.bias") != std::string::npos,
             warning.c_str());
}

void TestArchitectureDescriptor::errorCodes() {
    QTemporaryDir tmp;
    // make-model arguments.
    auto preset = core::randomModelConfig("tiny-mamba");
    QVERIFY(!preset.ok());
    QCOMPARE(preset.code(), ErrorCode::InvalidInput);
    // A folder that cannot be created (its parent is a file).
    const std::filesystem::path file = std::filesystem::path(tmp.path().toStdString()) / "plain-file";
    std::ofstream(file) << "x";
    auto json = core::randomModelConfig("tiny-gpt2");
    QVERIFY(json.ok());
    core::Status s = core::writeRandomModel(*json, file / "model", {});
    QVERIFY(!s.ok());
    QCOMPARE(s.code(), ErrorCode::Io);
    // The token embedding (which tells the prefix) missing.
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, "tiny-llama"));
    rewriteTensors(dir, [](const std::string& n) { return n != "model.embed_tokens.weight"; });
    auto noEmbedding = core::loadModel(dir);
    QVERIFY(!noEmbedding.ok());
    QCOMPARE(noEmbedding.code(), ErrorCode::CorruptFile);
    QVERIFY2(noEmbedding.error().find("'model.embed_tokens.weight'") != std::string::npos, noEmbedding.error().c_str());
    // A Llama feature attnviz does not implement.
    ATTNVIZ_UNWRAP(mlpBias, test::writeFixture(tmp, "tiny-mistral"));
    {
        std::ifstream in(mlpBias / "config.json");
        auto j = nlohmann::json::parse(in);
        j["mlp_bias"] = true;
        j["model_type"] = "llama";
        std::ofstream(mlpBias / "config.json") << j.dump();
    }
    auto unsupported = core::loadModel(mlpBias);
    QVERIFY(!unsupported.ok());
    QCOMPARE(unsupported.code(), ErrorCode::Unsupported);
    QVERIFY2(unsupported.error().find("mlp_bias") != std::string::npos, unsupported.error().c_str());
    // Cancelling the load from the progress callback, and a run.
    ATTNVIZ_UNWRAP(gpt2, test::writeFixture(tmp, "tiny-gpt2"));
    int calls = 0;
    auto cancelled = core::loadModel(gpt2, [&](std::size_t done, std::size_t total) {
        ++calls;
        return done < total;  // stop after the last layer
    });
    QVERIFY(!cancelled.ok());
    QCOMPARE(cancelled.code(), ErrorCode::Cancelled);
    QCOMPARE(calls, 2);
    auto m = core::loadModel(gpt2);
    QVERIFY(m.ok());
    std::atomic<bool> cancel{true};
    core::RunOptions o;
    o.cancel = &cancel;
    auto r = (*m)->run(std::vector<std::int32_t>{1, 2}, o);
    QVERIFY(!r.ok());
    QCOMPARE(r.code(), ErrorCode::Cancelled);
}

void TestArchitectureDescriptor::readmeListsEveryModelType() {
    // README.md's "Architectures" item names every model_type the descriptors
    // accept, each in backticks, and the table of layer kinds below it.
    std::ifstream in(test::sourceDir() / "README.md");
    QVERIFY(in.good());
    const std::string readme((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto begin = readme.find("- **Architectures**");
    QVERIFY(begin != std::string::npos);
    const auto end = readme.find("\n- **", begin + 1);
    const std::string section = readme.substr(begin, end - begin);
    for (const std::string& type : core::ModelConfig::supportedTypes()) {
        QVERIFY2(section.find("`" + type + "`") != std::string::npos,
                 qPrintable(QString("README.md's Architectures item does not name `%1`").arg(type.c_str())));
    }
}

QTEST_APPLESS_MAIN(TestArchitectureDescriptor)
#include "test_architecture_descriptor.moc"
