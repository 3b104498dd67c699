// A real BERT checkpoint as llama.cpp's converter writes it: golden/fixtures/
// bert (BertForMaskedLM) converted here to GGUF with this test's own copy of
// the converter's names (gguf-py tensor_mapping.py: bert rows; the pooler
// and cls.* heads dropped, BertModel.modify_tensors), its vocab.txt as the
// converter's phantom-space vocabulary. The GGUF file gives Hugging Face's
// reference attention for every golden bert case, and its tokenizer the
// case's input and token type ids.
#include "support/golden_case.h"
#include "support/golden_compare.h"
#include "support/gguf_vocab_convert.h"
#include "support/test_paths.h"
#include "support/verify_result.h"

#include "attnviz/core/model.h"
#include "attnviz/core/safetensors_file.h"
#include "attnviz/core/tokenizer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>
#include <regex>

using namespace attnviz;

namespace {

// (Hugging Face name without "bert.", GGUF name); {bid} is the layer.
const std::vector<std::pair<std::string, std::string>> kConverterNames = {
    {"embeddings.word_embeddings", "token_embd"},
    {"embeddings.token_type_embeddings", "token_types"},
    {"embeddings.position_embeddings", "position_embd"},
    {"embeddings.LayerNorm", "token_embd_norm"},
    {"encoder.layer.{bid}.attention.self.query", "blk.{bid}.attn_q"},
    {"encoder.layer.{bid}.attention.self.key", "blk.{bid}.attn_k"},
    {"encoder.layer.{bid}.attention.self.value", "blk.{bid}.attn_v"},
    {"encoder.layer.{bid}.attention.output.dense", "blk.{bid}.attn_output"},
    {"encoder.layer.{bid}.attention.output.LayerNorm", "blk.{bid}.attn_output_norm"},
    {"encoder.layer.{bid}.intermediate.dense", "blk.{bid}.ffn_up"},
    {"encoder.layer.{bid}.output.dense", "blk.{bid}.ffn_down"},
    {"encoder.layer.{bid}.output.LayerNorm", "blk.{bid}.layer_output_norm"},
};

// The GGUF name of an HF tensor, "" when the converter drops it, nullopt
// when it has no mapping (the conversion fails, as the converter's does).
std::optional<std::string> ggufName(std::string name) {
    if (name.rfind("bert.", 0) == 0) name = name.substr(5);
    if (name == "embeddings.position_ids" || name.rfind("pooler.", 0) == 0 || name.rfind("cls.", 0) == 0) return "";
    const auto dot = name.rfind('.');
    const std::string base = name.substr(0, dot), suffix = name.substr(dot);
    static const std::regex layer(R"(\.(\d+)\.)");
    std::smatch m;
    std::string bid;
    std::string pattern = base;
    if (std::regex_search(base, m, layer)) {
        bid = m[1];
        pattern = m.prefix().str() + ".{bid}." + m.suffix().str();
    }
    for (const auto& [hf, gguf] : kConverterNames) {
        if (hf != pattern) continue;
        std::string out = gguf;
        if (const auto at = out.find("{bid}"); at != std::string::npos) out.replace(at, 5, bid);
        return out + suffix;
    }
    return std::nullopt;
}

}  // namespace

class TestGgufBertGolden : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cases_data();
    void cases();

private:
    QTemporaryDir m_tmp;
    std::filesystem::path m_gguf;
    std::string m_skip;
};

void TestGgufBertGolden::initTestCase() {
    QVERIFY(m_tmp.isValid());
    const auto golden = test::goldenDir();
    if (!golden) {
        m_skip = "golden reference folder not found (ATTNVIZ_GOLDEN_DIR)";
        return;
    }
    const auto dir = *golden / "fixtures" / "bert";
    std::ifstream configFile(dir / "config.json");
    if (!configFile) {
        m_skip = (dir / "config.json").string() + " not found";
        return;
    }
    const auto config = nlohmann::json::parse(configFile);
    auto builder = test::bertVocabAsGguf(dir / "vocab.txt");
    QVERIFY(builder.has_value());
    auto& b = *builder;
    // Model.set_gguf_parameters + BertModel.set_gguf_parameters.
    b.u32("bert.context_length", config.at("max_position_embeddings").get<std::uint32_t>());
    b.u32("bert.embedding_length", config.at("hidden_size").get<std::uint32_t>());
    b.u32("bert.feed_forward_length", config.at("intermediate_size").get<std::uint32_t>());
    b.u32("bert.attention.head_count", config.at("num_attention_heads").get<std::uint32_t>());
    b.f32("bert.attention.layer_norm_epsilon", config.at("layer_norm_eps").get<float>());
    b.u32("bert.block_count", config.at("num_hidden_layers").get<std::uint32_t>());
    b.u32("general.file_type", 0);
    b.boolean("bert.attention.causal", false);
    ATTNVIZ_UNWRAP(st, core::SafetensorsFile::open(dir / "model.safetensors"));
    for (const core::TensorInfo& t : st.tensors()) {
        const auto name = ggufName(t.name);
        QVERIFY2(name.has_value(), t.name.c_str());
        if (name->empty()) continue;
        QCOMPARE(t.dtype, core::DType::F32);
        std::vector<float> values(t.numel);
        std::memcpy(values.data(), t.data, t.byteSize);
        std::vector<std::uint64_t> ne(t.shape.rbegin(), t.shape.rend());
        b.tensorF32(*name, ne, values);
    }
    m_gguf = std::filesystem::path(m_tmp.path().toStdString()) / "bert-fixture.gguf";
    b.write(m_gguf);
}

void TestGgufBertGolden::cases_data() {
    QTest::addColumn<QString>("file");
    const auto golden = test::goldenDir();
    if (!golden) return;
    for (const auto& f : test::goldenCaseFiles(*golden)) {
        if (f.stem().string().rfind("bert__", 0) == 0) {
            QTest::newRow(f.stem().string().c_str()) << QString::fromStdString(f.string());
        }
    }
}

void TestGgufBertGolden::cases() {
    if (!m_skip.empty()) QSKIP(m_skip.c_str());
    ATTNVIZ_REQUIRE_DIR(models, test::modelsDir, "shared models folder");
    QFETCH(QString, file);
    ATTNVIZ_UNWRAP(c, test::loadGoldenCase(file.toStdString(), test::goldenSetRoot(file.toStdString()), models));
    ATTNVIZ_UNWRAP(model, core::loadModel(m_gguf));
    ATTNVIZ_UNWRAP(mask, core::MaskMode::parse(c.mask));
    core::RunOptions options;
    options.mask = mask;
    options.tokenTypeIds = c.tokenTypeIds;
    ATTNVIZ_UNWRAP(trace, model->run(c.inputIds, options));
    const QString mismatch = test::goldenMismatch(c, trace);
    QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));

    // The file's tokenizer gives the case's ids from its text.
    ATTNVIZ_UNWRAP(tok, core::loadTokenizer(m_gguf));
    ATTNVIZ_UNWRAP(enc, c.pair ? tok->encode(c.text, std::string_view(*c.pair)) : tok->encode(c.text));
    QCOMPARE(enc.ids(), c.inputIds);
    if (!c.tokenTypeIds.empty()) QCOMPARE(enc.typeIds(), c.tokenTypeIds);
}

QTEST_GUILESS_MAIN(TestGgufBertGolden)
#include "test_gguf_bert_golden.moc"
