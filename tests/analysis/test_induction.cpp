// The induction statistic: its score on hand-built traces of a repeated
// sequence, the rules that build the sequence, and the extra run on a model.
#include "support/fixture_models.h"
#include "support/test_paths.h"
#include "support/verify_result.h"

#include "attnviz/core/induction.h"
#include "attnviz/core/model.h"
#include "attnviz/core/random_model.h"

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <climits>
#include <cmath>
#include <set>

using namespace attnviz;
using core::AttentionTrace;
using core::InductionSequence;

namespace {

core::Result<core::ModelConfig> tinyConfig(const std::string& preset) {
    auto json = core::randomModelConfig(preset);
    if (!json) return json.takeError();
    return core::ModelConfig::fromJson(*json, preset);
}

// [BOS] + r + r with n = 50 as the statistic defines it; the ids do not
// matter for scoring a hand-built trace.
InductionSequence repeatedSequence(int prefix, int n) {
    InductionSequence s;
    s.prefixLength = prefix;
    s.repeatLength = n;
    s.ids.assign(static_cast<std::size_t>(prefix + 2 * n), 7);
    return s;
}

void setRow(AttentionTrace& t, int i, std::initializer_list<std::pair<int, float>> entries) {
    float* row = t.probs(0, 0) + static_cast<std::size_t>(i) * t.seqLen();
    std::fill(row, row + t.seqLen(), 0.0f);
    for (const auto& [j, v] : entries) row[j] = v;
}

}  // namespace

class TestInduction : public QObject {
    Q_OBJECT

private slots:
    void inductionHeadScoresNearOne();
    void uniformHeadScoresLow();
    void previousTokenHeadScoresZero();
    void tooShortTraceIsUndefined();
    void markerAndBytePieces();
    void sequenceFromConfig();
    void sequenceWithReplacementWhenFewIds();
    void sequenceFitsPositionTable();
    void measuresOnModelWithMask();
    void stories260kOrdinaryTokens();

private:
    QTemporaryDir m_tmp;
};

// Second-copy rows put 0.96 on key i - 49, 0.04 on BOS; all other rows sit on BOS.
void TestInduction::inductionHeadScoresNearOne() {
    const int T = 101;
    AttentionTrace t(1, 1, T, false);
    for (int i = 0; i < T; ++i) {
        if (i >= 51) setRow(t, i, {{0, 0.04f}, {i - 49, 0.96f}});
        else setRow(t, i, {{0, 1.0f}});
    }
    const double score = core::inductionScore(t.probs(0, 0), T, 1, 50);
    QVERIFY(std::abs(score - 0.96) < 1e-6);
    const auto all = core::inductionScores(t, repeatedSequence(1, 50));
    QCOMPARE(all.size(), std::size_t(1));
    QCOMPARE(all[0], score);
}

// Causal uniform rows: a[i][j] = 1/(i+1), so the score is the mean of 1/(i+1) over i = 51..100.
void TestInduction::uniformHeadScoresLow() {
    const int T = 101;
    AttentionTrace t(1, 1, T, false);
    for (int i = 0; i < T; ++i)
        for (int j = 0; j <= i; ++j) t.probs(0, 0)[static_cast<std::size_t>(i) * T + j] = 1.0f / float(i + 1);
    double expected = 0.0;
    for (int i = 51; i <= 100; ++i) expected += 1.0 / (i + 1);
    expected /= 50;
    const double score = core::inductionScore(t.probs(0, 0), T, 1, 50);
    QVERIFY(std::abs(score - expected) < 1e-7);
    QVERIFY(score < 0.02);
}

// Looking one token back is not induction: a[i][i-1] = 1 puts nothing on i - 49.
void TestInduction::previousTokenHeadScoresZero() {
    const int T = 100;  // no BOS: r + r
    AttentionTrace t(1, 1, T, false);
    setRow(t, 0, {{0, 1.0f}});
    for (int i = 1; i < T; ++i) setRow(t, i, {{i - 1, 1.0f}});
    QCOMPARE(core::inductionScore(t.probs(0, 0), T, 0, 50), 0.0);
    // With n = 2 the token after the earlier occurrence is one back: r = [x, y], seq x y x y,
    // rows 2 and 3 look at 1 and 2.
    AttentionTrace s(1, 1, 4, false);
    setRow(s, 0, {{0, 1.0f}});
    for (int i = 1; i < 4; ++i) setRow(s, i, {{i - 1, 1.0f}});
    QCOMPARE(core::inductionScore(s.probs(0, 0), 4, 0, 2), 1.0);
}

void TestInduction::tooShortTraceIsUndefined() {
    AttentionTrace t(1, 1, 100, false);
    QVERIFY(std::isnan(core::inductionScore(t.probs(0, 0), 100, 1, 50)));  // needs 101
    QVERIFY(std::isnan(core::inductionScore(t.probs(0, 0), 100, 0, 0)));
}

void TestInduction::markerAndBytePieces() {
    for (const char* p : {"<unk>", "<s>", "</s>", "<0x0A>", "<0xFF>", "[CLS]", "[SEP]", "<|endoftext|>", "[unused0]"}) {
        QVERIFY2(core::isMarkerOrBytePiece(p), p);
    }
    for (const char* p : {"\u2581the", "he", "<", "<>", "[]", "a>", "<a", "\u0120<", "[x", ""}) {
        QVERIFY2(!core::isMarkerOrBytePiece(p), p);
    }
}

void TestInduction::sequenceFromConfig() {
    ATTNVIZ_UNWRAP(c, tinyConfig("tiny-llama"));  // rotary: no length limit
    c.bosTokenId = 1;
    c.eosTokenId = 2;
    QCOMPARE(c.maxSequenceLength(), INT_MAX);
    const auto ordinary = core::ordinaryTokenIds(c, nullptr);
    QCOMPARE(ordinary.size(), std::size_t(48));  // 50 ids minus BOS and EOS
    QVERIFY(std::find(ordinary.begin(), ordinary.end(), 1) == ordinary.end());

    auto seq = core::makeInductionSequence(c, nullptr, {});
    QVERIFY2(seq.ok(), seq.ok() ? "" : seq.error().c_str());
    // 48 ordinary ids < 50: drawn with replacement.
    QCOMPARE(seq->ids.size(), std::size_t(101));
    QCOMPARE(seq->prefixLength, 1);
    QCOMPARE(seq->repeatLength, 50);
    QCOMPARE(seq->seed, core::kInductionSeed);
    QCOMPARE(seq->ids[0], 1);

    core::InductionOptions o;
    o.repeatLength = 20;
    auto a = core::makeInductionSequence(c, nullptr, o);
    auto b = core::makeInductionSequence(c, nullptr, o);
    o.seed = 99;
    auto other = core::makeInductionSequence(c, nullptr, o);
    QVERIFY(a.ok() && b.ok() && other.ok());
    QCOMPARE(a->ids, b->ids);  // seeded: the same every time
    QVERIFY(a->ids != other->ids);
    QCOMPARE(a->ids.size(), std::size_t(41));
    const std::vector<std::int32_t> first(a->ids.begin() + 1, a->ids.begin() + 21);
    const std::vector<std::int32_t> second(a->ids.begin() + 21, a->ids.end());
    QCOMPARE(first, second);
    // 48 ordinary ids >= 20: drawn without replacement, so each token of the
    // second copy has exactly one earlier occurrence.
    QCOMPARE(std::set<std::int32_t>(first.begin(), first.end()).size(), std::size_t(20));
    for (std::int32_t id : first) QVERIFY(std::binary_search(ordinary.begin(), ordinary.end(), id));

    o.repeatLength = 0;
    QVERIFY(!core::makeInductionSequence(c, nullptr, o).ok());
}

void TestInduction::sequenceWithReplacementWhenFewIds() {
    ATTNVIZ_UNWRAP(c, tinyConfig("tiny-llama"));
    c.vocabSize = 4;
    c.bosTokenId = 0;  // ordinary: 1, 2, 3
    core::InductionOptions o;
    o.repeatLength = 10;
    auto seq = core::makeInductionSequence(c, nullptr, o);
    QVERIFY(seq.ok());
    QCOMPARE(seq->ids.size(), std::size_t(21));
    for (std::size_t i = 1; i < seq->ids.size(); ++i) QVERIFY(seq->ids[i] >= 1 && seq->ids[i] <= 3);
    c.vocabSize = 1;  // only BOS
    auto none = core::makeInductionSequence(c, nullptr, o);
    QVERIFY(!none.ok());
    QVERIFY(none.error().find("no ordinary tokens") != std::string::npos);
}

// tiny-gpt2 has learned positions for 64 tokens and no BOS: r + r fits for n <= 32.
void TestInduction::sequenceFitsPositionTable() {
    ATTNVIZ_UNWRAP(c, tinyConfig("tiny-gpt2"));
    QCOMPARE(c.maxSequenceLength(), 64);
    auto strict = core::makeInductionSequence(c, nullptr, {});
    QVERIFY(!strict.ok());
    QVERIFY2(strict.error().find("takes at most 64") != std::string::npos, strict.error().c_str());
    core::InductionOptions o;
    o.shrinkToFit = true;
    auto fit = core::makeInductionSequence(c, nullptr, o);
    QVERIFY(fit.ok());
    QCOMPARE(fit->prefixLength, 0);
    QCOMPARE(fit->repeatLength, 32);
    QCOMPARE(fit->ids.size(), std::size_t(64));
    c.bosTokenId = 0;  // [BOS] takes one position: (64 - 1) / 2 = 31
    fit = core::makeInductionSequence(c, nullptr, o);
    QVERIFY(fit.ok());
    QCOMPARE(fit->repeatLength, 31);
    QCOMPARE(fit->ids.size(), std::size_t(63));
    // RoBERTa's positions start at pad + 1 = 2: 66 - 2 = 64 tokens.
    ATTNVIZ_UNWRAP(roberta, tinyConfig("tiny-roberta"));
    QCOMPARE(roberta.maxSequenceLength(), 64);
}

void TestInduction::measuresOnModelWithMask() {
    ATTNVIZ_UNWRAP(dir, test::writeFixture(m_tmp, "tiny-llama"));
    auto model = core::loadModel(dir);
    QVERIFY(model.ok());
    auto seq = core::makeInductionSequence((*model)->config(), nullptr, {});
    QVERIFY(seq.ok());
    auto scores = core::measureInduction(**model, *seq, core::MaskMode::defaultMode());
    QVERIFY(scores.ok());
    QCOMPARE(scores->size(), std::size_t(4));
    auto trace = (*model)->run(seq->ids, core::RunOptions{});
    QVERIFY(trace.ok());
    // Two runs of the same ids agree only to rounding: the forward pass's
    // float sums vary in the last bits with where the heap puts its buffers.
    const auto direct = core::inductionScores(*trace, *seq);
    for (int k = 0; k < 4; ++k) QVERIFY(std::abs((*scores)[k] - direct[k]) < 1e-7);
    for (double s : *scores) QVERIFY(s > 0.0 && s < 1.0);
    // A window of 10 keys hides key i - 49 from every query: the mask reaches the extra run.
    auto windowed = core::measureInduction(**model, *seq, core::MaskMode::slidingWindow(10));
    QVERIFY(windowed.ok());
    for (double s : *windowed) QCOMPARE(s, 0.0);

    std::vector<core::HeadStats> stats(4);
    core::applyInduction(stats, *scores);
    for (int k = 0; k < 4; ++k) QCOMPARE(stats[k].induction, (*scores)[k]);
}

// stories260K's SentencePiece vocabulary: 0-2 are <unk>, <s>, </s>, 3..258 the
// byte pieces <0x00>..<0xFF>; every id from 259 to 511 is ordinary.
void TestInduction::stories260kOrdinaryTokens() {
    ATTNVIZ_REQUIRE_DIR(models, test::modelsDir, "shared models folder");
    const auto dir = models / "stories260K";
    if (!std::filesystem::exists(dir / "tokenizer.model")) QSKIP("stories260K not found");
    auto config = core::ModelConfig::fromFile(dir / "config.json");
    QVERIFY(config.ok());
    auto tokenizer = core::loadTokenizer(dir);
    QVERIFY2(tokenizer.ok(), tokenizer.ok() ? "" : tokenizer.error().c_str());
    const auto ids = core::ordinaryTokenIds(*config, tokenizer->get());
    QCOMPARE(ids.size(), std::size_t(512 - 259));
    QCOMPARE(ids.front(), 259);
    QCOMPARE(ids.back(), 511);
    auto seq = core::makeInductionSequence(*config, tokenizer->get(), {});
    QVERIFY(seq.ok());
    QCOMPARE(seq->ids.size(), std::size_t(101));
    QCOMPARE(seq->ids[0], 1);
    const std::set<std::int32_t> distinct(seq->ids.begin() + 1, seq->ids.begin() + 51);
    QCOMPARE(distinct.size(), std::size_t(50));
    QVERIFY(*distinct.begin() >= 259);
}

QTEST_APPLESS_MAIN(TestInduction)
#include "test_induction.moc"
