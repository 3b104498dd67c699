// llama.cpp's tokenizer test vectors: models/ggml-vocab-<name>.gguf holds only
// a tokenizer, <name>.gguf.inp the test texts (separated by
// "\n__ggml_vocab_test__\n") and <name>.gguf.out, one line per text, the ids
// Hugging Face's AutoTokenizer gave (encode(text, add_special_tokens=False),
// convert_hf_to_gguf_update.py). Every text of every vocabulary attnviz reads
// must give those ids through the tokenizer of the GGUF metadata. The files
// are not in this repository: ATTNVIZ_LLAMACPP_VOCABS names a folder holding
// them (a llama.cpp checkout's models/); without it the test skips.
#include "support/verify_result.h"

#include "attnviz/core/tokenizer.h"

#include <QtTest>

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

using namespace attnviz;

namespace {

std::optional<std::filesystem::path> vocabsDir() {
    const char* dir = std::getenv("ATTNVIZ_LLAMACPP_VOCABS");
    if (!dir || !*dir) return std::nullopt;
    return std::filesystem::path(dir);
}

std::string readAll(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

struct Case {
    std::string text;
    std::vector<std::int32_t> ids;
};

// test-tokenizer-0.cpp's reading: texts split on the separator (the last
// one followed by it), one line of ids per text.
std::vector<Case> readCases(const std::filesystem::path& gguf) {
    const std::string inp = readAll(gguf.string() + ".inp");
    const std::string sep = "\n__ggml_vocab_test__\n";
    std::vector<std::string> texts;
    for (std::size_t pos = 0; pos < inp.size();) {
        const std::size_t next = inp.find(sep, pos);
        if (next == std::string::npos) {
            texts.push_back(inp.substr(pos));
            break;
        }
        texts.push_back(inp.substr(pos, next - pos));
        pos = next + sep.size();
    }
    std::ifstream out(gguf.string() + ".out");
    std::vector<Case> cases;
    std::string line;
    for (std::size_t i = 0; i < texts.size() && std::getline(out, line); ++i) {
        Case c{texts[i], {}};
        std::istringstream ids(line);
        for (std::int32_t id; ids >> id;) c.ids.push_back(id);
        cases.push_back(std::move(c));
    }
    return cases;
}

}  // namespace

class TestLlamacppVocabs : public QObject {
    Q_OBJECT

private slots:
    void ids_data();
    void ids();

private:
    std::map<std::string, std::vector<Case>> m_cases;
    std::map<std::string, std::unique_ptr<core::Tokenizer>> m_tokenizers;
    std::map<std::string, std::pair<core::ErrorCode, std::string>> m_refusals;
};

void TestLlamacppVocabs::ids_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("index");
    const auto dir = vocabsDir();
    if (!dir) {
        QTest::newRow("unset") << QString() << -1;
        return;
    }
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(*dir, ec)) {
        const auto p = e.path();
        if (p.extension() == ".gguf" && std::filesystem::exists(p.string() + ".inp") &&
            std::filesystem::exists(p.string() + ".out")) {
            files.push_back(p);
        }
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) QTest::newRow("empty") << QString::fromStdString(dir->string()) << -2;
    for (const auto& p : files) {
        auto loaded = core::loadTokenizer(p);
        if (!loaded) {
            // A pre-tokenizer attnviz does not run: one row, which checks the
            // refusal names it and skips.
            m_refusals[p.string()] = {loaded.code(), loaded.error()};
            QTest::newRow((p.stem().string() + "/refused").c_str()) << QString::fromStdString(p.string()) << -3;
            continue;
        }
        m_tokenizers[p.string()] = std::move(loaded.value());
        auto& cases = m_cases[p.string()];
        cases = readCases(p);
        for (std::size_t i = 0; i < cases.size(); ++i) {
            QTest::newRow((p.stem().string() + "/" + std::to_string(i + 1)).c_str())
                << QString::fromStdString(p.string()) << static_cast<int>(i);
        }
    }
}

void TestLlamacppVocabs::ids() {
    QFETCH(QString, file);
    QFETCH(int, index);
    if (index == -1) {
        QSKIP("ATTNVIZ_LLAMACPP_VOCABS is not set (a folder with llama.cpp's models/ggml-vocab-*.gguf, .inp and .out)");
    }
    if (index == -2) QFAIL(qPrintable("no ggml-vocab-*.gguf with .inp and .out in " + file));
    const std::string path = file.toStdString();
    if (index == -3) {
        const auto& [code, error] = m_refusals.at(path);
        QVERIFY2(code == core::ErrorCode::Unsupported, error.c_str());
        QVERIFY2(error.find("tokenizer.ggml.pre") != std::string::npos, error.c_str());
        QSKIP(qPrintable(QString::fromStdString("refused: " + error)));
    }
    const auto& tok = m_tokenizers.at(path);
    const Case& c = m_cases.at(path)[static_cast<std::size_t>(index)];
    core::EncodeOptions options;
    options.addSpecialTokens = false;
    ATTNVIZ_UNWRAP(enc, tok->encode(c.text, std::nullopt, options));
    const auto ids = enc.ids();
    QStringList got, want;
    for (auto id : ids) got << QString::number(id);
    for (auto id : c.ids) want << QString::number(id);
    QVERIFY2(ids == c.ids, qPrintable("text '" + QString::fromStdString(c.text) + "'\nattnviz " + got.join(' ') +
                                      "\nHF      " + want.join(' ')));
}

QTEST_GUILESS_MAIN(TestLlamacppVocabs)
#include "test_llamacpp_vocabs.moc"
