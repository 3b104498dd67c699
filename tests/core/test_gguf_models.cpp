// GGUF models: a random model written as GGUF (laid out as llama.cpp's
// converter lays out the same weights) runs exactly like its safetensors
// folder, for every family attnviz maps; metadata problems name the file
// and the key; unsupported architectures and types say what is supported.
#include "support/gguf_builder.h"
#include "support/test_paths.h"
#include "support/verify_result.h"

#include "attnviz/core/gguf_model.h"
#include "attnviz/core/model.h"
#include "attnviz/core/random_model.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>

using namespace attnviz::core;
using attnviz::test::GgufBuilder;

class TestGgufModels : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(m_tmp.isValid()); }
    void sameAttentionAsSafetensors_data();
    void sameAttentionAsSafetensors();
    void quantisedFileRuns();
    void kQuantMixesRun();
    void q4KMMixAsLlamaQuantize();
    void summaryForListings();
    void metadataErrorsNameTheKey_data();
    void metadataErrorsNameTheKey();
    void bertMetadata_data();
    void bertMetadata();

private:
    std::filesystem::path path(const std::string& name) const {
        return std::filesystem::path(m_tmp.path().toStdString()) / name;
    }
    QTemporaryDir m_tmp;
};

namespace {

std::string presetWith(const std::string& preset, const nlohmann::json& patch) {
    auto text = randomModelConfig(preset);
    if (!text) return {};
    nlohmann::json j = nlohmann::json::parse(*text);
    if (!patch.is_null()) j.merge_patch(patch);
    return j.dump();
}

RandomModelOptions testOptions(float gainStd = 0.1f) {
    RandomModelOptions options;
    options.seed = 7;
    options.qkScale = 4.0f;  // peaky rows: a wrong permutation shows
    options.normGainStd = gainStd;
    return options;
}

template <typename Type>
Status writeGgufFile(const std::string& config, const std::filesystem::path& file, Type type,
                     const RandomModelOptions& options = testOptions()) {
    std::FILE* f = std::fopen(file.c_str(), "wb");
    if (!f) return makeError(ErrorCode::Io, "cannot open " + file.string());
    Status st = writeRandomGguf(config, f, file.string(), options, type);
    std::fclose(f);
    return st;
}

std::map<std::string, std::string> tensorTypes(const GgufFile& f) {
    std::map<std::string, std::string> types;
    for (const auto& t : f.tensors()) types[t.name] = std::string(ggmlTypeInfo(t.type).name);
    return types;
}

}  // namespace

void TestGgufModels::sameAttentionAsSafetensors_data() {
    QTest::addColumn<QString>("config");
    QTest::addColumn<double>("tolerance");
    QTest::addColumn<double>("gainStd");
    QTest::newRow("llama") << QString::fromStdString(presetWith("tiny-llama", {})) << 0.0 << 0.1;
    // Llama 3 rope scaling travels as the rope_freqs.weight tensor.
    QTest::newRow("llama3 rope") << QString::fromStdString(presetWith(
        "tiny-llama", {{"hidden_size", 32}, {"num_attention_heads", 2}, {"num_key_value_heads", 1},
                       {"rope_theta", 500000.0},
                       {"rope_scaling", {{"rope_type", "llama3"}, {"factor", 32.0}, {"low_freq_factor", 1.0},
                                         {"high_freq_factor", 4.0}, {"original_max_position_embeddings", 8192}}}}))
                                 << 0.0 << 0.1;
    QTest::newRow("qwen2") << QString::fromStdString(presetWith("tiny-qwen2", {})) << 0.0 << 0.1;
    QTest::newRow("phi3") << QString::fromStdString(presetWith("tiny-phi3", {})) << 0.0 << 0.1;
    QTest::newRow("gpt2") << QString::fromStdString(presetWith("tiny-gpt2", {})) << 0.0 << 0.1;
    QTest::newRow("gpt-neox") << QString::fromStdString(presetWith("tiny-gpt-neox", {})) << 0.0 << 0.1;
    // The converter drops BERT's masked-LM head: attention only.
    QTest::newRow("bert") << QString::fromStdString(presetWith("tiny-bert", {})) << 0.0 << 0.1;
    QTest::newRow("bert one type") << QString::fromStdString(presetWith("tiny-bert", {{"type_vocab_size", 1}}))
                                   << 0.0 << 0.1;
    // llama.cpp stores Gemma's norm gains + 1 in float32. Gains of exactly
    // 1 (stored 2) come back exactly; random gains around 1 (stored above 2)
    // lose their last bit on the way, which a swapped norm would dwarf.
    const std::string gemma2 = presetWith("tiny-gemma2", {{"query_pre_attn_scalar", 6}});
    QTest::newRow("gemma exact") << QString::fromStdString(presetWith("tiny-gemma", {})) << 0.0 << 0.0;
    QTest::newRow("gemma") << QString::fromStdString(presetWith("tiny-gemma", {})) << 1e-3 << 0.1;
    QTest::newRow("gemma2 exact") << QString::fromStdString(gemma2) << 0.0 << 0.0;
    QTest::newRow("gemma2") << QString::fromStdString(gemma2) << 5e-3 << 0.1;
}

void TestGgufModels::sameAttentionAsSafetensors() {
    QFETCH(QString, config);
    QFETCH(double, tolerance);
    QFETCH(double, gainStd);
    const std::string name = QString(QTest::currentDataTag()).replace(' ', '-').toStdString();
    const auto dir = path(name + "-folder");
    const RandomModelOptions options = testOptions(static_cast<float>(gainStd));
    ATTNVIZ_VERIFY_OK(writeRandomModel(config.toStdString(), dir, options));
    const auto file = path(name + ".gguf");
    ATTNVIZ_VERIFY_OK(writeGgufFile(config.toStdString(), file, GgmlType::F32, options));
    ATTNVIZ_UNWRAP(folder, loadModel(dir));
    ATTNVIZ_UNWRAP(gguf, loadModel(file));
    QCOMPARE(gguf->config().architecture, folder->config().architecture);
    QCOMPARE(gguf->config().nKvHeads, folder->config().nKvHeads);
    QCOMPARE(gguf->config().tieWordEmbeddings, folder->config().tieWordEmbeddings);
    const std::vector<std::int32_t> ids = {1, 5, 9, 3, 7, 11, 2, 40, 13, 8};
    RunOptions run;
    run.computeLogits = true;
    ATTNVIZ_UNWRAP(a, folder->run(ids, run));
    const bool headless = gguf->config().architecture == Architecture::Bert;
    if (headless) {
        QCOMPARE(gguf->config().typeVocabSize, folder->config().typeVocabSize);
        auto refused = gguf->run(ids, run);
        QVERIFY(!refused);
        QVERIFY2(refused.error().find("no masked-language-model head") != std::string::npos, refused.error().c_str());
        run.computeLogits = false;
    }
    ATTNVIZ_UNWRAP(b, gguf->run(ids, run));
    double worst = 0.0;
    for (int l = 0; l < a.nLayers(); ++l)
        for (int h = 0; h < a.nHeads(); ++h)
            for (int i = 0; i < a.seqLen(); ++i)
                for (int j = 0; j < a.seqLen(); ++j)
                    worst = std::max(worst, double(std::fabs(a.prob(l, h, i, j) - b.prob(l, h, i, j))));
    QVERIFY2(worst <= tolerance, qPrintable(QString("max |attention difference| %1").arg(worst)));
    if (tolerance == 0.0 && !headless) QCOMPARE(std::vector<float>(b.logits), std::vector<float>(a.logits));
}

void TestGgufModels::quantisedFileRuns() {
    const std::string config = presetWith("tiny-llama", {{"hidden_size", 64}, {"intermediate_size", 64}});
    for (GgmlType type : {GgmlType::F16, GgmlType::BF16, GgmlType::Q8_0, GgmlType::Q4_0}) {
        const auto file = path(std::string("q-") + std::string(ggmlTypeInfo(type).name) + ".gguf");
        ATTNVIZ_VERIFY_OK(writeGgufFile(config, file, type));
        ATTNVIZ_UNWRAP(model, loadModel(file));
        ATTNVIZ_UNWRAP(trace, model->run(std::vector<std::int32_t>{1, 2, 3, 4}, RunOptions{}));
        for (int i = 0; i < 4; ++i) {
            double sum = 0.0;
            for (int j = 0; j < 4; ++j) sum += trace.prob(1, 0, i, j);
            QVERIFY(std::fabs(sum - 1.0) < 1e-5);
        }
    }
    // Rows of 64 hold no 256-element K block: llama-quantize's fallbacks
    // (Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0) are written and run.
    const std::vector<std::pair<GgufFileType, std::string>> mixes = {
        {GgufFileType::MostlyQ4_K_M, "Q5_0"}, {GgufFileType::MostlyQ5_K_M, "Q5_1"}, {GgufFileType::MostlyQ6_K, "Q8_0"}};
    for (const auto& [fileType, fallback] : mixes) {
        const auto file = path("q-mix-" + fallback + ".gguf");
        ATTNVIZ_VERIFY_OK(writeGgufFile(config, file, fileType));
        {
            ATTNVIZ_UNWRAP(f, GgufFile::open(file));
            const auto types = tensorTypes(f);
            QCOMPARE(types.at("blk.0.attn_q.weight"), fallback);
            QCOMPARE(types.at("token_embd.weight"), std::string("Q8_0"));  // the tied output: Q6_K, else Q8_0
        }
        ATTNVIZ_UNWRAP(model, loadModel(file));
        ATTNVIZ_UNWRAP(trace, model->run(std::vector<std::int32_t>{1, 2, 3, 4}, RunOptions{}));
        for (int i = 0; i < 4; ++i) {
            double sum = 0.0;
            for (int j = 0; j < 4; ++j) sum += trace.prob(1, 0, i, j);
            QVERIFY(std::fabs(sum - 1.0) < 1e-5);
        }
    }
}

// The K-quant mixes (make-model --gguf-type q4_k_m|q5_k_m|q6_k) on a model
// whose rows are multiples of 256: the file holds the mix's types, runs, and
// its attention stays near the float32 file's (the quantisers' error, read
// back by the bit-exact dequantiser), closer the more bits: each extra bit
// halves the weights' error (measured here: mean 0.021, 0.011, 0.0059).
void TestGgufModels::kQuantMixesRun() {
    const std::string config = presetWith("tiny-llama", {{"hidden_size", 256}, {"intermediate_size", 512},
                                                         {"num_attention_heads", 4}, {"num_key_value_heads", 2}});
    const RandomModelOptions options = testOptions();
    ATTNVIZ_VERIFY_OK(writeGgufFile(config, path("mix-f32.gguf"), GgmlType::F32, options));
    ATTNVIZ_UNWRAP(reference, loadModel(path("mix-f32.gguf")));
    const std::vector<std::int32_t> ids = {1, 5, 9, 3, 7, 11, 2, 40, 13, 8};
    ATTNVIZ_UNWRAP(a, reference->run(ids, RunOptions{}));
    struct Case {
        GgufFileType type;
        const char* name;  // general.file_type's name
        std::map<std::string, std::string> expected;  // some tensors' types
        double meanTolerance;  // of |attention - float32 file's|
    };
    // 2 layers: use_more_bits(i, 2) holds for layer 1 only; tied embeddings,
    // so token_embd is the output matrix (Q6_K).
    const std::vector<Case> cases = {
        {GgufFileType::MostlyQ4_K_M, "Q4_K_M",
         {{"token_embd.weight", "Q6_K"}, {"blk.0.attn_v.weight", "Q4_K"}, {"blk.1.attn_v.weight", "Q6_K"},
          {"blk.0.ffn_down.weight", "Q4_K"}, {"blk.1.ffn_down.weight", "Q6_K"}, {"blk.0.attn_q.weight", "Q4_K"},
          {"blk.1.ffn_up.weight", "Q4_K"}, {"blk.0.attn_norm.weight", "F32"}, {"output_norm.weight", "F32"}},
         0.04},
        {GgufFileType::MostlyQ5_K_M, "Q5_K_M",
         {{"token_embd.weight", "Q6_K"}, {"blk.0.attn_v.weight", "Q5_K"}, {"blk.1.attn_v.weight", "Q6_K"},
          {"blk.0.ffn_gate.weight", "Q5_K"}, {"blk.1.ffn_down.weight", "Q6_K"}},
         0.02},
        {GgufFileType::MostlyQ6_K, "Q6_K",
         {{"token_embd.weight", "Q6_K"}, {"blk.0.attn_v.weight", "Q6_K"}, {"blk.0.attn_k.weight", "Q6_K"}},
         0.01},
    };
    double previousMean = INFINITY;
    for (const Case& c : cases) {
        const auto file = path(std::string("mix-") + c.name + ".gguf");
        ATTNVIZ_VERIFY_OK(writeGgufFile(config, file, c.type, options));
        {
            ATTNVIZ_UNWRAP(f, GgufFile::open(file));
            QCOMPARE(ggufWeightTypeName(f), std::string(c.name));
            const auto types = tensorTypes(f);
            for (const auto& [tensor, type] : c.expected) {
                QVERIFY2(types.count(tensor) == 1, tensor.c_str());
                QCOMPARE(types.at(tensor), type);
            }
        }
        ATTNVIZ_UNWRAP(model, loadModel(file));
        ATTNVIZ_UNWRAP(b, model->run(ids, RunOptions{}));
        double worst = 0.0, sum = 0.0;
        int n = 0;
        for (int l = 0; l < a.nLayers(); ++l)
            for (int h = 0; h < a.nHeads(); ++h)
                for (int i = 0; i < a.seqLen(); ++i)
                    for (int j = 0; j <= i; ++j, ++n) {
                        const double d = std::fabs(a.prob(l, h, i, j) - b.prob(l, h, i, j));
                        worst = std::max(worst, d);
                        sum += d;
                    }
        qInfo("%s: |attention - float32 file's| max %.4g, mean %.4g", c.name, worst, sum / n);
        const double mean = sum / n;
        QVERIFY2(mean < c.meanTolerance, qPrintable(QString("%1: mean %2").arg(c.name).arg(mean)));
        QVERIFY2(mean < previousMean / 1.5, qPrintable(QString("%1: mean %2 after %3").arg(c.name).arg(mean).arg(previousMean)));
        QVERIFY(worst > 0.0 && worst < 0.5);  // really quantised, and not wrong
        previousMean = mean;
    }
}

// The Q4_K_M mix against the golden llama-kq.Q4_K_M.gguf (made by a
// re-implementation of llama-quantize's type rules, see its README): a
// random model of the same config gets the same type for every tensor.
void TestGgufModels::q4KMMixAsLlamaQuantize() {
    ATTNVIZ_REQUIRE_DIR(golden, attnviz::test::goldenDir, "golden references");
    const auto fixture = golden / "gguf" / "fixtures" / "llama-kq" / "config.json";
    const auto reference = golden / "gguf" / "gguf" / "llama-kq.Q4_K_M.gguf";
    if (!std::filesystem::exists(fixture) || !std::filesystem::exists(reference)) {
        QSKIP("golden gguf/llama-kq files not found");
    }
    std::ifstream in(fixture);
    const std::string config((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto file = path("llama-kq-random.Q4_K_M.gguf");
    ATTNVIZ_VERIFY_OK(writeGgufFile(config, file, GgufFileType::MostlyQ4_K_M));
    ATTNVIZ_UNWRAP(ours, GgufFile::open(file));
    ATTNVIZ_UNWRAP(theirs, GgufFile::open(reference));
    const auto expected = tensorTypes(theirs);
    QCOMPARE(expected.size(), std::size_t(20));
    QCOMPARE(tensorTypes(ours), expected);
}

void TestGgufModels::summaryForListings() {
    const auto file = path("summary.gguf");
    ATTNVIZ_VERIFY_OK(writeGgufFile(presetWith("tiny-qwen2", {{"hidden_size", 64}, {"intermediate_size", 64}}), file,
                                    GgmlType::Q8_0));
    ATTNVIZ_UNWRAP(f, GgufFile::open(file));
    QCOMPARE(ggufUnsupportedReason(f), std::string());
    QCOMPARE(ggufWeightTypeName(f), std::string("Q8_0"));
    ATTNVIZ_UNWRAP(config, ggufModelConfig(f));
    QCOMPARE(config.architecture, Architecture::Qwen2);
    QCOMPARE(config.nLayers, 2);
    QVERIFY(config.qkvBias);
}

void TestGgufModels::metadataErrorsNameTheKey_data() {
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<int>("code");
    QTest::newRow("no architecture") << 0 << "metadata \"general.architecture\" is missing" << int(ErrorCode::CorruptFile);
    QTest::newRow("unknown architecture") << 1 << "GGUF architecture \"mamba\" is not supported (supported: llama"
                                          << int(ErrorCode::Unsupported);
    QTest::newRow("missing block count") << 2 << "metadata \"llama.block_count\" is missing" << int(ErrorCode::CorruptFile);
    QTest::newRow("block count is a string") << 3 << "metadata \"llama.block_count\" is STRING, expected an integer"
                                             << int(ErrorCode::CorruptFile);
    QTest::newRow("epsilon zero") << 4 << "rms_norm_eps" << int(ErrorCode::CorruptFile);
    QTest::newRow("unsupported tensor type") << 5 << "has type IQ2_XXS" << int(ErrorCode::Unsupported);
    QTest::newRow("missing tensor") << 6
                                    << "tensor 'blk.1.ffn_down.weight' (model.layers.1.mlp.down_proj.weight) is "
                                       "missing from 'meta6.gguf' (expected shape [32, 32])"
                                    << int(ErrorCode::CorruptFile);
    // The file's own text is quoted with its control characters escaped: the
    // message stays one line and cannot drive a terminal.
    QTest::newRow("architecture with a newline") << 7 << "GGUF architecture \"mam\\nba\\x1B[2J\" is not supported"
                                                 << int(ErrorCode::Unsupported);
}

void TestGgufModels::metadataErrorsNameTheKey() {
    QFETCH(int, kind);
    QFETCH(QString, expected);
    QFETCH(int, code);
    const std::uint64_t d = 32, f = 32, v = 16;
    GgufBuilder b;
    if (kind != 0) b.string("general.architecture", kind == 1 ? "mamba" : kind == 7 ? "mam\nba\x1b[2J" : "llama");
    if (kind == 3) b.string("llama.block_count", "two");
    else if (kind != 2) b.u32("llama.block_count", 2);
    b.u32("llama.embedding_length", d).u32("llama.feed_forward_length", f).u32("llama.attention.head_count", 2);
    b.f32("llama.attention.layer_norm_rms_epsilon", kind == 4 ? 0.0f : 1e-5f);
    auto weight = [&](const std::string& name, std::uint64_t in, std::uint64_t out) {
        b.tensorF32(name, {in, out}, std::vector<float>(in * out, 0.01f));
    };
    weight("token_embd.weight", d, v);
    b.tensorF32("output_norm.weight", {d}, std::vector<float>(d, 1.0f));
    for (int l = 0; l < 2; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        b.tensorF32(p + "attn_norm.weight", {d}, std::vector<float>(d, 1.0f));
        b.tensorF32(p + "ffn_norm.weight", {d}, std::vector<float>(d, 1.0f));
        if (kind == 5 && l == 0) {
            b.tensor(p + "attn_q.weight", {256, 4}, 16, std::vector<std::uint8_t>(66 * 4, 0));
        } else {
            weight(p + "attn_q.weight", d, d);
        }
        weight(p + "attn_k.weight", d, d);
        weight(p + "attn_v.weight", d, d);
        weight(p + "attn_output.weight", d, d);
        weight(p + "ffn_gate.weight", d, f);
        weight(p + "ffn_up.weight", d, f);
        if (!(kind == 6 && l == 1)) weight(p + "ffn_down.weight", f, d);
    }
    const auto file = path("meta" + std::to_string(kind) + ".gguf");
    b.write(file);
    auto r = loadModel(file);
    QVERIFY2(!r, qPrintable(expected));
    QVERIFY2(r.error().find(expected.toStdString()) != std::string::npos, r.error().c_str());
    QVERIFY2(r.error().find(file.filename().string()) != std::string::npos, r.error().c_str());
    QVERIFY2(r.error().find('\n') == std::string::npos, r.error().c_str());
    QCOMPARE(int(r.code()), code);
}

void TestGgufModels::bertMetadata_data() {
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("expected");  // empty: the config reads
    QTest::newRow("token types from the count") << 0 << QString();
    QTest::newRow("causal") << 1 << "metadata \"bert.attention.causal\" is true";
    QTest::newRow("no epsilon") << 2 << "metadata \"bert.attention.layer_norm_epsilon\" is missing";
    QTest::newRow("no positions") << 3 << "\"bert.context_length\" and tensor 'position_embd.weight' are missing";
}

// Only the metadata and the token embedding: what the config is read from.
void TestGgufModels::bertMetadata() {
    QFETCH(int, kind);
    QFETCH(QString, expected);
    GgufBuilder b;
    b.string("general.architecture", "bert");
    b.u32("bert.block_count", 2).u32("bert.embedding_length", 8).u32("bert.feed_forward_length", 16);
    b.u32("bert.attention.head_count", 2);
    if (kind != 3) b.u32("bert.context_length", 64);
    if (kind != 2) b.f32("bert.attention.layer_norm_epsilon", 1e-12f);
    b.boolean("bert.attention.causal", kind == 1);
    b.u32("tokenizer.ggml.token_type_count", 3);
    b.tensorF32("token_embd.weight", {8, 10}, std::vector<float>(80, 0.0f));
    const auto file = path("bert-meta" + std::to_string(kind) + ".gguf");
    b.write(file);
    ATTNVIZ_UNWRAP(f, GgufFile::open(file));
    auto config = ggufModelConfig(f);
    if (expected.isEmpty()) {
        QVERIFY2(config.ok(), config.ok() ? "" : config.error().c_str());
        QCOMPARE(config->architecture, Architecture::Bert);
        QCOMPARE(config->typeVocabSize, 3);
        QCOMPARE(config->maxPositions, 64);
        QVERIFY(config->isEncoder());
        return;
    }
    QVERIFY(!config);
    QVERIFY2(config.error().find(expected.toStdString()) != std::string::npos, config.error().c_str());
    QVERIFY2(config.error().find(file.filename().string()) != std::string::npos, config.error().c_str());
}

QTEST_GUILESS_MAIN(TestGgufModels)
#include "test_gguf_models.moc"
