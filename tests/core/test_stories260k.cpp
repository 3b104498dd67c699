// stories260K, a real trained Llama (../shared/models/stories260K): prompt ids,
// top-5 next tokens, a 30-token greedy continuation and attention rows from
// its reference_outputs.json (an independent float64 reference forward).
#include "support/test_paths.h"
#include "support/verify_result.h"

#include "attnviz/core/model.h"
#include "attnviz/core/tokenizer.h"

#include <QtTest>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>

using namespace attnviz;

class TestStories260k : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void promptIds();
    void topFiveNextTokens();
    void greedyContinuation();
    void attentionRows();

private:
    core::Result<std::vector<float>> lastLogits(const std::vector<std::int32_t>& ids);

    nlohmann::json m_ref;
    std::unique_ptr<core::Model> m_model;
    std::unique_ptr<core::Tokenizer> m_tokenizer;
};

void TestStories260k::initTestCase() {
    const auto models = test::modelsDir();
    if (!models || !std::filesystem::exists(*models / "stories260K" / "reference_outputs.json")) {
        QSKIP("stories260K not found: set ATTNVIZ_MODELS_DIR or provide ../shared/models");
    }
    const auto dir = *models / "stories260K";
    m_ref = nlohmann::json::parse(std::ifstream(dir / "reference_outputs.json"));
    auto model = core::loadModel(dir);
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().c_str());
    m_model = std::move(model.value());
    auto tok = core::loadTokenizer(dir);
    QVERIFY2(tok.ok(), tok.ok() ? "" : tok.error().c_str());
    m_tokenizer = std::move(tok.value());
}

core::Result<std::vector<float>> TestStories260k::lastLogits(const std::vector<std::int32_t>& ids) {
    core::RunOptions o;
    o.computeLogits = true;
    auto trace = m_model->run(ids, o);
    if (!trace) return trace.takeError();
    const auto V = static_cast<std::size_t>(trace->vocabSize);
    return std::vector<float>(trace->logits.end() - static_cast<std::ptrdiff_t>(V), trace->logits.end());
}

void TestStories260k::promptIds() {
    auto enc = m_tokenizer->encode(m_ref["prompt"].get<std::string>());
    QVERIFY(enc.ok());
    QCOMPARE(enc->ids(), m_ref["prompt_token_ids_with_bos"].get<std::vector<std::int32_t>>());
}

void TestStories260k::topFiveNextTokens() {
    ATTNVIZ_UNWRAP(logits, lastLogits(m_ref["prompt_token_ids_with_bos"].get<std::vector<std::int32_t>>()));
    std::vector<int> order(logits.size());
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + 5, order.end(), [&](int a, int b) { return logits[a] > logits[b]; });
    const auto& top = m_ref["top5_next_after_prompt"];
    for (int r = 0; r < 5; ++r) {
        const int id = top[r][0].get<int>();
        QCOMPARE(order[r], id);
        // The reference prints 5 decimals.
        QVERIFY2(std::fabs(logits[id] - top[r][2].get<double>()) < 1e-4,
                 qPrintable(QString("logit of %1: %2 vs %3").arg(id).arg(logits[id]).arg(top[r][2].get<double>())));
    }
}

void TestStories260k::greedyContinuation() {
    auto ids = m_ref["prompt_token_ids_with_bos"].get<std::vector<std::int32_t>>();
    std::vector<std::int32_t> generated;
    for (int step = 0; step < 30; ++step) {
        ATTNVIZ_UNWRAP(logits, lastLogits(ids));
        const auto next = static_cast<std::int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
        generated.push_back(next);
        ids.push_back(next);
    }
    QCOMPARE(generated, m_ref["greedy_30_token_ids"].get<std::vector<std::int32_t>>());
    auto text = m_tokenizer->decode(generated);
    QVERIFY(text.ok());
    QCOMPARE(QString::fromStdString(*text).trimmed(), QString::fromStdString(m_ref["greedy_30_text"].get<std::string>()).trimmed());
}

void TestStories260k::attentionRows() {
    const auto ids = m_ref["prompt_token_ids_with_bos"].get<std::vector<std::int32_t>>();
    auto trace = m_model->run(ids, {});
    QVERIFY(trace.ok());
    const int last = static_cast<int>(ids.size()) - 1;
    for (const auto& [key, layer, head] : {std::tuple{"attention_last_query_layer0_head0", 0, 0},
                                           std::tuple{"attention_last_query_layer4_head7", 4, 7}}) {
        const auto row = m_ref[key].get<std::vector<double>>();
        QCOMPARE(static_cast<int>(row.size()), last + 1);
        for (int j = 0; j <= last; ++j) {
            // 6 decimals in the reference: half a unit of rounding plus float32 noise.
            QVERIFY2(std::fabs(trace->prob(layer, head, last, j) - row[j]) < 1e-6,
                     qPrintable(QString("%1 key %2: %3 vs %4").arg(key).arg(j).arg(trace->prob(layer, head, last, j)).arg(row[j])));
        }
    }
}

QTEST_APPLESS_MAIN(TestStories260k)
#include "test_stories260k.moc"
