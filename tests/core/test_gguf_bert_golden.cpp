// A real BERT checkpoint as llama.cpp's converter writes it: golden/fixtures/
// bert (BertForMaskedLM) converted here to GGUF with this test's own copy of
// the converter's names (gguf-py tensor_mapping.py: bert rows; the pooler
// and cls.* heads dropped, BertModel.modify_tensors), its vocab.txt as the
// converter's phantom-space vocabulary. The GGUF file gives Hugging Face's
// reference attention for every golden bert case, and its tokenizer the
// case's input and token type ids. The same for golden/fixtures/roberta as
// RobertaModel converts it ("bert" weights with the position rows before
// the padding offset cut off, a gpt2 "roberta-bpe" vocabulary).
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
#include <map>
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
// RoBERTa's lm_head is dropped too: the converter takes RobertaModel
// checkpoints, which have none.
std::optional<std::string> ggufName(std::string name) {
    for (const char* prefix : {"bert.", "roberta."}) {
        if (name.rfind(prefix, 0) == 0) name = name.substr(std::strlen(prefix));
    }
    if (name == "embeddings.position_ids" || name.rfind("pooler.", 0) == 0 || name.rfind("cls.", 0) == 0 ||
        name.rfind("lm_head.", 0) == 0) {
        return "";
    }
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
    void convert(const std::filesystem::path& dir, const std::filesystem::path& out);
    QTemporaryDir m_tmp;
    std::map<std::string, std::filesystem::path> m_gguf;  // by golden model name
    std::string m_skip;
};

namespace {

// RobertaModel.set_vocab with a tokenizer.json holding this vocab.json and
// merges.txt (_set_vocab_gpt2: pre "roberta-bpe", the five specials CONTROL,
// their ids from tokenizer_config.json, add_bos/add_eos).
std::optional<test::GgufBuilder> robertaVocabAsGguf(const std::filesystem::path& dir) {
    std::ifstream vocabFile(dir / "vocab.json");
    std::ifstream mergesFile(dir / "merges.txt");
    if (!vocabFile || !mergesFile) return std::nullopt;
    const auto vocab = nlohmann::json::parse(vocabFile);
    std::vector<std::string> tokens(vocab.size());
    std::map<std::string, std::uint32_t> ids;
    for (const auto& [tok, id] : vocab.items()) {
        tokens.at(id.get<std::size_t>()) = tok;
        ids[tok] = id.get<std::uint32_t>();
    }
    std::vector<std::int32_t> types(tokens.size(), 1);
    for (const char* special : {"<s>", "<pad>", "</s>", "<unk>", "<mask>"}) types.at(ids.at(special)) = 3;
    std::vector<std::string> merges;
    for (std::string line; std::getline(mergesFile, line);) {
        if (!line.empty() && line.rfind("#version", 0) != 0) merges.push_back(line);
    }
    test::GgufBuilder b;
    b.string("general.architecture", "bert");
    b.string("tokenizer.ggml.model", "gpt2").string("tokenizer.ggml.pre", "roberta-bpe");
    b.strings("tokenizer.ggml.tokens", tokens).ints("tokenizer.ggml.token_type", types);
    b.strings("tokenizer.ggml.merges", merges);
    b.u32("tokenizer.ggml.bos_token_id", ids.at("<s>")).u32("tokenizer.ggml.eos_token_id", ids.at("</s>"));
    b.u32("tokenizer.ggml.unknown_token_id", ids.at("<unk>")).u32("tokenizer.ggml.seperator_token_id", ids.at("</s>"));
    b.u32("tokenizer.ggml.padding_token_id", ids.at("<pad>")).u32("tokenizer.ggml.mask_token_id", ids.at("<mask>"));
    b.boolean("tokenizer.ggml.add_bos_token", true).boolean("tokenizer.ggml.add_eos_token", true);
    b.u32("tokenizer.ggml.token_type_count", 1);
    return b;
}

}  // namespace

void TestGgufBertGolden::initTestCase() {
    QVERIFY(m_tmp.isValid());
    const auto golden = test::goldenDir();
    if (!golden) {
        m_skip = "golden reference folder not found (ATTNVIZ_GOLDEN_DIR)";
        return;
    }
    for (const char* model : {"bert", "roberta"}) {
        const auto dir = *golden / "fixtures" / model;
        if (!std::filesystem::exists(dir / "config.json")) {
            m_skip = (dir / "config.json").string() + " not found";
            return;
        }
        m_gguf[model] = std::filesystem::path(m_tmp.path().toStdString()) / (std::string(model) + "-fixture.gguf");
        convert(dir, m_gguf[model]);
    }
}

void TestGgufBertGolden::convert(const std::filesystem::path& dir, const std::filesystem::path& out) {
    std::ifstream configFile(dir / "config.json");
    const auto config = nlohmann::json::parse(configFile);
    const bool roberta = config.at("model_type") == "roberta";
    // RobertaModel: positions start after the padding id; the converter
    // cuts those rows off the table and from the context length.
    const std::uint32_t offset = roberta ? config.at("pad_token_id").get<std::uint32_t>() + 1 : 0;
    auto builder = roberta ? robertaVocabAsGguf(dir) : test::bertVocabAsGguf(dir / "vocab.txt");
    QVERIFY(builder.has_value());
    auto& b = *builder;
    // Model.set_gguf_parameters + BertModel.set_gguf_parameters.
    b.u32("bert.context_length", config.at("max_position_embeddings").get<std::uint32_t>() - offset);
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
        if (*name == "position_embd.weight" && offset > 0) {  // (rows, width): rows [offset, rows)
            values.erase(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(offset * ne[0]));
            ne[1] -= offset;
        }
        b.tensorF32(*name, ne, values);
    }
    b.write(out);
}

void TestGgufBertGolden::cases_data() {
    QTest::addColumn<QString>("file");
    const auto golden = test::goldenDir();
    if (!golden) return;
    for (const auto& f : test::goldenCaseFiles(*golden)) {
        if (f.stem().string().rfind("bert__", 0) == 0 || f.stem().string().rfind("roberta__", 0) == 0) {
            QTest::newRow(f.stem().string().c_str()) << QString::fromStdString(f.string());
        }
    }
}

void TestGgufBertGolden::cases() {
    if (!m_skip.empty()) QSKIP(m_skip.c_str());
    ATTNVIZ_REQUIRE_DIR(models, test::modelsDir, "shared models folder");
    QFETCH(QString, file);
    ATTNVIZ_UNWRAP(c, test::loadGoldenCase(file.toStdString(), test::goldenSetRoot(file.toStdString()), models));
    const std::filesystem::path gguf = m_gguf.at(c.model);
    ATTNVIZ_UNWRAP(model, core::loadModel(gguf));
    ATTNVIZ_UNWRAP(mask, core::MaskMode::parse(c.mask));
    core::RunOptions options;
    options.mask = mask;
    options.tokenTypeIds = c.tokenTypeIds;
    ATTNVIZ_UNWRAP(trace, model->run(c.inputIds, options));
    const QString mismatch = test::goldenMismatch(c, trace);
    QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));

    // The file's tokenizer gives the case's ids from its text.
    ATTNVIZ_UNWRAP(tok, core::loadTokenizer(gguf));
    ATTNVIZ_UNWRAP(enc, c.pair ? tok->encode(c.text, std::string_view(*c.pair)) : tok->encode(c.text));
    QCOMPARE(enc.ids(), c.inputIds);
    if (!c.tokenTypeIds.empty()) QCOMPARE(enc.typeIds(), c.tokenTypeIds);
}

QTEST_GUILESS_MAIN(TestGgufBertGolden)
#include "test_gguf_bert_golden.moc"
