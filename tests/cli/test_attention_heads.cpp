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
