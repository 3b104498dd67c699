// attnviz-cli explain: the row it explains is exactly that row of
// `attention`, its "masked" entries are null where the mask hides a key, its
// scores agree with `attention --scores`, its output is sum_j a_j v_j; bad
// --layer/--head/--query are one-line errors naming the option and the range;
// for T5 the encoder's, the decoder's and the cross-attention's rows.
#include "support/cli_runner.h"
#include "support/fixture_models.h"
#include "support/verify_result.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace attnviz;
using nlohmann::json;

class TestExplainCli : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void rowEqualsAttention_data();
    void rowEqualsAttention();
    void threeAttentionsOfT5();
    void badOptions_data();
    void badOptions();

private:
    QTemporaryDir m_tmp;
    QString m_llama;
    QString m_bert;
    QString m_t5;
};

namespace {

test::CliResult runCli(const QStringList& args) { return test::runCli(ATTNVIZ_CLI_PATH, args); }

}  // namespace

void TestExplainCli::initTestCase() {
    ATTNVIZ_UNWRAP(llama, test::writeFixture(m_tmp, "tiny-llama"));
    m_llama = QString::fromStdString(llama.string());
    ATTNVIZ_UNWRAP(bert, test::writeFixture(m_tmp, "tiny-bert"));
    m_bert = QString::fromStdString(bert.string());
    ATTNVIZ_UNWRAP(t5, test::writeFixture(m_tmp, "tiny-t5"));
    m_t5 = QString::fromStdString(t5.string());
}

void TestExplainCli::threeAttentionsOfT5() {
    const QStringList input{"--model", m_t5, "--ids", "3,9,4,1,5", "--decoder-ids", "0,6,7"};
    const auto attention = runCli(QStringList{"attention"} + input);
    QVERIFY2(attention.exitCode == 0, attention.err.constData());
    const auto explained = runCli(QStringList{"explain"} + input + QStringList{"--layer", "1", "--head", "0", "--query", "2"});
    QVERIFY2(explained.exitCode == 0, explained.err.constData());
    const json a = json::parse(attention.out.toStdString());
    const json e = json::parse(explained.out.toStdString());
    QCOMPARE(e["probabilities"], a["encoder_attention"][1][0][2]);
    // T5: no scale, a relative position bias on top of q . k_j.
    QCOMPARE(e["scale"].get<double>(), 1.0);
    QCOMPARE(e["position_bias"].size(), std::size_t{5});
    for (std::size_t j = 0; j < 5; ++j) {
        const double s = e["scores"][j].get<double>() + e["position_bias"][j].get<double>();
        QVERIFY(std::abs(s - e["scaled"][j].get<double>()) <= 1e-5 * std::max(1.0, std::abs(s)));
    }
    QCOMPARE(e["attention"].get<std::string>(), std::string("encoder"));

    // The decoder's causal self-attention: row 1 of 3, the later key masked.
    const auto decoder = runCli(QStringList{"explain"} + input +
                                QStringList{"--layer", "1", "--head", "1", "--query", "1", "--attention", "decoder"});
    QVERIFY2(decoder.exitCode == 0, decoder.err.constData());
    const json d = json::parse(decoder.out.toStdString());
    QCOMPARE(d["probabilities"], a["decoder_attention"][1][1][1]);
    QCOMPARE(d["tokens"].size(), std::size_t{3});
    QVERIFY(d["masked"][2].is_null() && !d["masked"][1].is_null());
    QCOMPARE(d["position_bias"].size(), std::size_t{3});

    // Cross-attention: decoder row 2 over the 5 source tokens, none masked;
    // its output is sum_j a_j v_j.
    const auto cross = runCli(QStringList{"explain"} + input +
                              QStringList{"--layer", "0", "--head", "1", "--query", "2", "--attention", "cross"});
    QVERIFY2(cross.exitCode == 0, cross.err.constData());
    const json c = json::parse(cross.out.toStdString());
    QCOMPARE(c["probabilities"], a["cross_attention"][0][1][2]);
    QCOMPARE(c["attention"].get<std::string>(), std::string("cross"));
    QCOMPARE(c["tokens"].size(), std::size_t{5});
    QCOMPARE(c["query_tokens"].size(), std::size_t{3});
    QCOMPARE(c["k"].size(), std::size_t{5});
    QVERIFY(!c.contains("position_bias"));
    const std::size_t hd = c["q"].size();
    for (std::size_t j = 0; j < 5; ++j) QVERIFY(!c["masked"][j].is_null());
    for (std::size_t dim = 0; dim < hd; ++dim) {
        double o = 0;
        for (std::size_t j = 0; j < 5; ++j) o += c["probabilities"][j].get<double>() * c["v"][j][dim].get<double>();
        QVERIFY(std::abs(o - c["output"][dim].get<double>()) <= 1e-5);
    }

    const auto beyond = runCli(QStringList{"explain"} + input +
                               QStringList{"--layer", "0", "--head", "0", "--query", "3", "--attention", "cross"});
    QCOMPARE(beyond.exitCode, 1);
    QVERIFY2(beyond.err.contains("--query 3 is outside the 3 decoder input tokens (0..2)"), beyond.err.constData());
    const auto other = runCli(QStringList{"explain"} + input +
                              QStringList{"--layer", "0", "--head", "0", "--query", "0", "--attention", "both"});
    QCOMPARE(other.exitCode, 1);
    QVERIFY2(other.err.contains("choose encoder, decoder or cross"), other.err.constData());
}

void TestExplainCli::rowEqualsAttention_data() {
    QTest::addColumn<QString>("which");
    QTest::addColumn<QString>("mask");
    QTest::newRow("llama causal") << "llama" << "default";
    QTest::newRow("llama window:2") << "llama" << "window:2";
    QTest::newRow("bert") << "bert" << "default";
}

void TestExplainCli::rowEqualsAttention() {
    QFETCH(QString, which);
    QFETCH(QString, mask);
    const QString model = which == QLatin1String("llama") ? m_llama : m_bert;
    const QStringList input{"--model", model, "--ids", "3,9,4,1,5,7", "--mask", mask};
    const auto attention = runCli(QStringList{"attention"} + input + QStringList{"--scores"});
    QVERIFY2(attention.exitCode == 0, attention.err.constData());
    const auto explained = runCli(QStringList{"explain"} + input + QStringList{"--layer", "1", "--head", "1", "--query", "4"});
    QVERIFY2(explained.exitCode == 0, explained.err.constData());
    const json a = json::parse(attention.out.toStdString());
    const json e = json::parse(explained.out.toStdString());
    QCOMPARE(e["probabilities"], a["attention"][1][1][4]);
    QCOMPARE(e["tokens"].size(), std::size_t{6});
    const std::size_t hd = e["q"].size();
    QCOMPARE(e["k"].size(), std::size_t{6});
    QCOMPARE(e["v"][0].size(), hd);
    QCOMPARE(e.contains("q_before_rope"), which == QLatin1String("llama"));
    double sum = 0;
    for (std::size_t j = 0; j < 6; ++j) {
        // null where masked in both outputs; the kernel's scaled score elsewhere.
        const json& s = a["scores"][1][1][4][j];
        QCOMPARE(e["masked"][j].is_null(), s.is_null());
        const double scaled = e["scaled"][j].get<double>();
        if (!s.is_null()) QVERIFY(std::abs(scaled - s.get<double>()) <= 1e-5 * std::max(1.0, std::abs(scaled)));
        // scores = q . k_j
        double dot = 0;
        for (std::size_t d = 0; d < hd; ++d) dot += e["q"][d].get<double>() * e["k"][j][d].get<double>();
        QVERIFY(std::abs(dot - e["scores"][j].get<double>()) <= 1e-5 * std::max(1.0, std::abs(dot)));
        sum += e["probabilities"][j].get<double>();
    }
    QVERIFY(std::abs(sum - 1.0) < 1e-5);
    for (std::size_t d = 0; d < hd; ++d) {
        double o = 0;
        for (std::size_t j = 0; j < 6; ++j) o += e["probabilities"][j].get<double>() * e["v"][j][d].get<double>();
        QVERIFY(std::abs(o - e["output"][d].get<double>()) <= 1e-5);
    }
}

void TestExplainCli::badOptions_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("layer") << QStringList{"--layer", "2", "--head", "0", "--query", "0"} << "--layer 2 is outside the model's layers (0..1)";
    QTest::newRow("head") << QStringList{"--layer", "0", "--head", "7", "--query", "0"} << "--head 7 is outside the model's heads (0..1)";
    QTest::newRow("query") << QStringList{"--layer", "0", "--head", "0", "--query", "3"} << "--query 3 is outside the 3 tokens (0..2)";
    QTest::newRow("not a number") << QStringList{"--layer", "x", "--head", "0", "--query", "0"} << "--layer: 'x' is not a number";
    QTest::newRow("missing") << QStringList{"--layer", "0", "--head", "0"} << "--query is required";
}

void TestExplainCli::badOptions() {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    const auto r = runCli(QStringList{"explain", "--model", m_llama, "--ids", "3,9,4"} + args);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(message.toUtf8()), r.err.constData());
    QCOMPARE(r.err.count('\n'), 1);  // one line
    QVERIFY(r.out.isEmpty());
}

QTEST_MAIN(TestExplainCli)
#include "test_explain_cli.moc"
