// attention --heads L:H,...: only those heads, as "heads": [{"layer", "head",
// "attention" [T][T] (, "scores")}], each exactly the matrix the full output
// holds for it; bad lists are one-line errors.
#include "support/cli_runner.h"
#include "support/fixture_models.h"
#include "support/verify_result.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

using namespace attnviz;
using nlohmann::json;

class TestAttentionHeads : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void onlyTheChosenHeads();
    void lazyRunsWriteTheSameNumbers();
    void badLists_data();
    void badLists();

private:
    QTemporaryDir m_tmp;
    QString m_model;
};

namespace {

test::CliResult runCli(const QStringList& args) { return test::runCli(ATTNVIZ_CLI_PATH, args); }

}  // namespace

void TestAttentionHeads::initTestCase() {
    ATTNVIZ_UNWRAP(dir, test::writeFixture(m_tmp, "tiny-llama"));
    m_model = QString::fromStdString(dir.string());
}

void TestAttentionHeads::onlyTheChosenHeads() {
    const QStringList input{"attention", "--model", m_model, "--ids", "3,9,4,1,5", "--mask", "window:2", "--scores"};
    const auto full = runCli(input);
    QVERIFY2(full.exitCode == 0, full.err.constData());
    const auto some = runCli(input + QStringList{"--heads", "1:1,0:0,1:1"});
    QVERIFY2(some.exitCode == 0, some.err.constData());
    const json a = json::parse(full.out.toStdString());
    const json b = json::parse(some.out.toStdString());
    QVERIFY(!b.contains("attention") && !b.contains("scores"));
    QCOMPARE(b["tokens"], a["tokens"]);
    QCOMPARE(b["effective_mask"], a["effective_mask"]);
    const std::vector<std::pair<int, int>> asked{{1, 1}, {0, 0}, {1, 1}};  // in the order given, repeats kept
    QCOMPARE(b["heads"].size(), asked.size());
    for (std::size_t k = 0; k < asked.size(); ++k) {
        const auto [l, h] = asked[k];
        QCOMPARE(b["heads"][k]["layer"].get<int>(), l);
        QCOMPARE(b["heads"][k]["head"].get<int>(), h);
        QCOMPARE(b["heads"][k]["attention"], a["attention"][l][h]);
        QCOMPARE(b["heads"][k]["scores"], a["scores"][l][h]);  // masked entries null in both
    }
}

// Without --scores, --heads keeps each layer's queries and keys and computes
// only the heads asked for; an input whose whole trace passes the memory
// budget (ATTNVIZ_TRACE_BUDGET_MB) is written from a lazy trace. Both give
// the numbers of the eager run, digit for digit.
void TestAttentionHeads::lazyRunsWriteTheSameNumbers() {
    ATTNVIZ_UNWRAP(dir, test::writeConfigFixture(m_tmp, "long-llama",
                                                 R"({"model_type":"llama","hidden_size":16,"num_hidden_layers":2,)"
                                                 R"("num_attention_heads":4,"num_key_value_heads":2,"intermediate_size":16,)"
                                                 R"("hidden_act":"silu","max_position_embeddings":1024,"rms_norm_eps":1e-05,)"
                                                 R"("rope_theta":10000.0,"tie_word_embeddings":true,"vocab_size":50})"));
    QStringList ids;
    for (int i = 0; i < 700; ++i) ids << QString::number((i * 13 + 5) % 50);
    const QStringList input{"attention", "--model", QString::fromStdString(dir.string()), "--ids", ids.join(',')};
    const auto eager = runCli(input);
    QVERIFY2(eager.exitCode == 0, eager.err.constData());
    const json a = json::parse(eager.out.toStdString());
    const auto some = runCli(input + QStringList{"--heads", "1:3,0:0"});
    QVERIFY2(some.exitCode == 0, some.err.constData());
    const json b = json::parse(some.out.toStdString());
    QCOMPARE(b["heads"].size(), std::size_t{2});
    QCOMPARE(b["heads"][0]["attention"], a["attention"][1][3]);
    QCOMPARE(b["heads"][1]["attention"], a["attention"][0][0]);
    // (2 x 4 heads, 700 x 700) floats: 15.7 MB, over a 2 MiB budget.
    qputenv("ATTNVIZ_TRACE_BUDGET_MB", "2");
    const auto lazy = runCli(input);
    const auto scores = runCli(input + QStringList{"--scores"});
    qunsetenv("ATTNVIZ_TRACE_BUDGET_MB");
    QVERIFY2(lazy.exitCode == 0, lazy.err.constData());
    QCOMPARE(lazy.out, eager.out);
    // Scores need the eager trace: refused, naming the budget.
    QCOMPARE(scores.exitCode, 1);
    QVERIFY2(scores.err.contains("budget 2.0 MiB") && scores.err.count('\n') == 1, scores.err.constData());
}

void TestAttentionHeads::badLists_data() {
    QTest::addColumn<QString>("heads");
    QTest::addColumn<QString>("message");
    QTest::newRow("head out of range") << "1:2" << "outside the model's 2 layers x 2 heads";
    QTest::newRow("layer out of range") << "2:0" << "outside the model's";
    QTest::newRow("no colon") << "1" << "'1' is not a head";
    QTest::newRow("empty item") << "0:1," << "'' is not a head";
    QTest::newRow("words") << "first:second" << "is not a head";
}

void TestAttentionHeads::badLists() {
    QFETCH(QString, heads);
    QFETCH(QString, message);
    const auto r = runCli({"attention", "--model", m_model, "--ids", "3,9", "--heads", heads});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(message.toUtf8()) && r.err.count('\n') == 1, r.err.constData());
}

QTEST_GUILESS_MAIN(TestAttentionHeads)
#include "test_attention_heads.moc"
