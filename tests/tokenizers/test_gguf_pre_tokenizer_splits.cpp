// The pre-tokenizers GGUF files name (tokenizer.ggml.pre) split text as
// Python's `regex` module splits it on the same patterns: every case of
// tests/data/gguf_pre_tokenizer_splits.json (written by
// tools/gguf/pre_tokenizer_splits.py through the oracle; llama.cpp's tokenizer
// test texts and a few more), words compared byte for byte.
#include "support/test_paths.h"

#include "gguf/gguf_pre_tokenizers.h"
#include "tokenizers/byte_level.h"
#include "tokenizers/vocab_file_loader.h"

#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>

using namespace attnviz;

class TestGgufPreTokenizerSplits : public QObject {
    Q_OBJECT

private slots:
    void splits_data();
    void splits();

private:
    nlohmann::json m_cases;
};

void TestGgufPreTokenizerSplits::splits_data() {
    QTest::addColumn<int>("index");
    std::ifstream in(test::testDataDir() / "gguf_pre_tokenizer_splits.json");
    QVERIFY(in);
    m_cases = nlohmann::json::parse(in).at("cases");
    QVERIFY(m_cases.size() > 100);
    for (std::size_t i = 0; i < m_cases.size(); ++i) {
        const std::string name = m_cases[i].at("pre").get<std::string>() + "/" + std::to_string(i);
        QTest::newRow(name.c_str()) << static_cast<int>(i);
    }
}

void TestGgufPreTokenizerSplits::splits() {
    QFETCH(int, index);
    const auto& c = m_cases[static_cast<std::size_t>(index)];
    const auto pre = core::findGgufPreTokenizer(c.at("pre").get<std::string>());
    QVERIFY(pre.has_value());
    auto preTokenizer = core::byteLevelPreTokenizer(pre->variant);
    QVERIFY2(preTokenizer.ok(), preTokenizer.ok() ? "" : preTokenizer.error().c_str());
    const std::string text = c.at("text").get<std::string>();
    auto words = preTokenizer->apply(core::AlignedText(text, 0));
    QVERIFY2(words.ok(), words.ok() ? "" : words.error().c_str());
    QStringList got;
    for (const core::AlignedText& w : *words) {
        std::string bytes;
        QVERIFY(core::byte_level::toBytes(w.text(), bytes));
        got << QString::fromStdString(bytes);
    }
    QStringList want;
    for (const auto& w : c.at("words")) want << QString::fromStdString(w.get<std::string>());
    QVERIFY2(got == want, qPrintable("text '" + QString::fromStdString(text) + "'\nattnviz [" + got.join("|") +
                                     "]\nregex   [" + want.join("|") + "]"));
}

QTEST_GUILESS_MAIN(TestGgufPreTokenizerSplits)
#include "test_gguf_pre_tokenizer_splits.moc"
