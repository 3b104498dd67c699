// Pin and compare (issue 21): the alignment of two runs' tokens and the
// ranking of heads by mean Jensen-Shannon divergence. The divergences of
// golden run pairs are numpy's (tests/data/head_changes.json says how they
// were made); the alignments follow from their definition on hand-made
// tokens and on two real tokenizers of one sentence.
#include "hand_trace.h"

#include "support/test_paths.h"
#include "support/verify_result.h"

#include "attnviz/core/head_change.h"
#include "attnviz/core/run_alignment.h"
#include "attnviz/core/tokenizer.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <cmath>
#include <fstream>

using namespace attnviz;
using nlohmann::json;

namespace {

json readJson(const std::filesystem::path& path) {
    std::ifstream in(path);
    return json::parse(in);
}

core::Token token(std::int32_t id, std::size_t start, std::size_t end, bool special = false) {
    core::Token t;
    t.id = id;
    t.start = start;
    t.end = end;
    t.special = special;
    return t;
}

// A trace holding a golden case's attention (L, H, T, T).
core::AttentionTrace traceOf(const json& c) {
    const json& att = c["attention"];
    const int L = static_cast<int>(att.size());
    const int H = static_cast<int>(att[0].size());
    const int T = static_cast<int>(att[0][0].size());
    core::AttentionTrace trace(L, H, T, false);
    for (int l = 0; l < L; ++l)
        for (int h = 0; h < H; ++h)
            for (int i = 0; i < T; ++i)
                for (int j = 0; j < T; ++j) trace.probs(l, h)[i * T + j] = att[l][h][i][j].get<float>();
    return trace;
}

}  // namespace

class TestRunComparison : public QObject {
    Q_OBJECT

private slots:
    void sameTokensOneToOne();
    void tokenizersOfOneText();
    void editedSentence();
    void unitAttentionSumsUnits();
    void jensenShannonBounds();
    void rankingAgainstNumpy_data();
    void rankingAgainstNumpy();
};

void TestRunComparison::sameTokensOneToOne() {
    const std::vector<core::Token> a{token(1, 0, 0, true), token(7, 0, 3), token(9, 3, 7)};
    const auto r = core::alignRuns(a, {"The cat"}, a, {"The cat"});
    QCOMPARE(r.method, core::RunAlignment::Method::SameTokens);
    QCOMPARE(r.units.size(), std::size_t{3});
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(r.units[i].a, std::vector<int>{i});
        QCOMPARE(r.units[i].b, std::vector<int>{i});
    }
    QCOMPARE(QString::fromStdString(r.description()), QStringLiteral("the same 3 tokens"));
}

void TestRunComparison::tokenizersOfOneText() {
    // "animal": [CLS] "anim" "al" [SEP] against <s> "animal" </s>.
    const std::vector<core::Token> a{token(101, 0, 0, true), token(5, 0, 4), token(6, 4, 6), token(102, 6, 6, true)};
    const std::vector<core::Token> b{token(0, 0, 0, true), token(9, 0, 6), token(2, 6, 6, true)};
    const auto r = core::alignRuns(a, {"animal"}, b, {"animal"});
    QCOMPARE(r.method, core::RunAlignment::Method::CharacterSpans);
    QCOMPARE(r.units.size(), std::size_t{3});
    QCOMPARE(r.units[0].a, std::vector<int>{0});  // the leading specials pair up
    QCOMPARE(r.units[0].b, std::vector<int>{0});
    QCOMPARE(r.units[1].a, (std::vector<int>{1, 2}));  // "anim" + "al" = "animal"
    QCOMPARE(r.units[1].b, std::vector<int>{1});
    QCOMPARE(r.units[2].a, std::vector<int>{3});  // and the trailing ones
    QCOMPARE(r.units[2].b, std::vector<int>{2});
    QCOMPARE(r.matchedA, 4);
    QCOMPARE(r.matchedB, 3);
}

void TestRunComparison::editedSentence() {
    // "The cat sat" -> "The dog sat": "cat" and "dog" share no byte.
    const std::vector<core::Token> a{token(1, 0, 3), token(2, 3, 7), token(3, 7, 11)};
    const std::vector<core::Token> b{token(1, 0, 3), token(4, 3, 7), token(3, 7, 11)};
    const auto r = core::alignRuns(a, {"The cat sat"}, b, {"The dog sat"});
    QCOMPARE(r.method, core::RunAlignment::Method::CharacterSpans);
    // " cat" and " dog" share only their leading space, which links nothing.
    QCOMPARE(r.units.size(), std::size_t{2});
    QCOMPARE(r.units[1].a, std::vector<int>{2});
    QCOMPARE(r.units[1].b, std::vector<int>{2});
    // An inserted word matches nothing.
    const std::vector<core::Token> c{token(1, 0, 3), token(5, 3, 7), token(2, 7, 11), token(3, 11, 15)};
    const auto s = core::alignRuns(a, {"The cat sat"}, c, {"The big cat sat"});
    QCOMPARE(s.matchedB, 3);
    QCOMPARE(s.units.size(), std::size_t{3});
    QCOMPARE(s.units[1].b, std::vector<int>{2});  // " cat" with " cat", not " big"
    QVERIFY(QString::fromStdString(s.description()).contains(QStringLiteral("3 of 4")));
}

void TestRunComparison::unitAttentionSumsUnits() {
    // A: 3 tokens, units {0}, {1, 2}; B: 2 tokens one to one.
    core::RunAlignment r;
    r.units = {{{0}, {0}}, {{1, 2}, {1}}};
    core::AttentionTrace t(1, 1, 3, false);
    QVERIFY(test::setHead(t, 0, 0, {{1, 0, 0}, {0.5f, 0.5f, 0}, {0.2f, 0.3f, 0.5f}}));
    const std::vector<float> u = core::unitAttention(t.probs(0, 0), 3, r, true);
    QCOMPARE(u[0], 1.0f);
    QCOMPARE(u[1], 0.0f);
    // Row {1, 2}: the mean of (0.5, 0.5) and (0.2, 0.8).
    QVERIFY(std::abs(u[2] - 0.35f) < 1e-6f);
    QVERIFY(std::abs(u[3] - 0.65f) < 1e-6f);
}

void TestRunComparison::jensenShannonBounds() {
    const float p[] = {1, 0};
    const float q[] = {0, 1};
    QVERIFY(std::abs(core::jensenShannon(p, q, 2) - std::log(2.0)) < 1e-12);  // disjoint: ln 2
    QCOMPARE(core::jensenShannon(p, p, 2), 0.0);
}

void TestRunComparison::rankingAgainstNumpy_data() {
    QTest::addColumn<int>("index");
    const json expected = readJson(test::testDataDir() / "head_changes.json");
    for (std::size_t i = 0; i < expected["cases"].size(); ++i) {
        QTest::newRow(expected["cases"][i]["a"].get<std::string>().c_str()) << static_cast<int>(i);
    }
}

void TestRunComparison::rankingAgainstNumpy() {
    QFETCH(int, index);
    const json expected = readJson(test::testDataDir() / "head_changes.json")["cases"][static_cast<std::size_t>(index)];
    ATTNVIZ_REQUIRE_DIR(golden, test::goldenDir, "../shared/golden");
    const json a = readJson(golden / "attention" / (expected["a"].get<std::string>() + ".json"));
    const json b = readJson(golden / "attention" / (expected["b"].get<std::string>() + ".json"));
    const core::AttentionTrace ta = traceOf(a);
    const core::AttentionTrace tb = traceOf(b);
    std::vector<core::Token> tokens;
    for (int id : a["input_ids"].get<std::vector<int>>()) tokens.push_back(token(id, 0, 0));
    const core::RunAlignment r = core::alignRuns(tokens, {a["text"].get<std::string>()}, tokens, {a["text"].get<std::string>()});
    QCOMPARE(r.method, core::RunAlignment::Method::SameTokens);
    const std::vector<core::HeadChange> ranked = core::rankHeadChanges(ta, tb, r);
    QCOMPARE(ranked.size(), expected["heads"].size());
    for (const json& e : expected["heads"]) {
        const auto it = std::find_if(ranked.begin(), ranked.end(), [&](const core::HeadChange& c) {
            return c.layer == e["layer"].get<int>() && c.head == e["head"].get<int>();
        });
        QVERIFY(it != ranked.end());
        QVERIFY2(std::abs(it->meanJsd - e["mean_jsd"].get<double>()) < 1e-6,
                 qPrintable(QString("L%1 H%2: %3, numpy %4").arg(it->layer).arg(it->head).arg(it->meanJsd, 0, 'g', 9)
                                .arg(e["mean_jsd"].get<double>(), 0, 'g', 9)));
    }
    for (std::size_t k = 1; k < ranked.size(); ++k) QVERIFY(ranked[k - 1].meanJsd >= ranked[k].meanJsd);
}

QTEST_MAIN(TestRunComparison)
#include "test_run_comparison.moc"
