// The JSON and CSV writers on a hand-built trace: shapes, float32 values that
// round-trip exactly, NaN as null / empty field, and the induction fields.
#include "hand_trace.h"

#include "support/verify_result.h"

#include "attnviz/core/aggregates.h"
#include "attnviz/core/analysis_json.h"
#include "attnviz/core/rollout.h"
#include "attnviz/core/value_weighted.h"

#include <QtTest>

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

using namespace attnviz;
using core::AttentionTrace;

namespace {

// Runs `write` on a temporary stdio stream and returns what it wrote.
template <class Fn>
core::Result<std::string> capture(Fn write) {
    std::FILE* f = std::tmpfile();
    if (f == nullptr) return core::makeError(core::ErrorCode::Io, "tmpfile failed");
    if (!write(f)) {
        std::fclose(f);
        return core::makeError(core::ErrorCode::Internal, "the writer reported an error");
    }
    std::string text(static_cast<std::size_t>(std::ftell(f)), '\0');
    std::rewind(f);
    const bool readBack = std::fread(text.data(), 1, text.size(), f) == text.size();
    std::fclose(f);
    if (!readBack) return core::makeError(core::ErrorCode::Io, "reading the temporary file back failed");
    return text;
}

// 2 layers x 2 heads, T = 3, causal, with value norms; values that are not
// exact in binary so the round trip is tested.
AttentionTrace handTrace() {
    AttentionTrace t(2, 2, 3, false, true);
    test::setHead(t, 0, 0, {{1, 0, 0}, {0.3f, 0.7f, 0}, {0.1f, 0.2f, 0.7f}});
    test::setHead(t, 0, 1, {{1, 0, 0}, {0.9f, 0.1f, 0}, {0.6f, 0.3f, 0.1f}});
    test::setHead(t, 1, 0, {{1, 0, 0}, {0.5f, 0.5f, 0}, {1.0f / 3, 1.0f / 3, 1.0f / 3}});
    test::setHead(t, 1, 1, {{1, 0, 0}, {0, 1, 0}, {0, 0.4f, 0.6f}});
    for (int l = 0; l < 2; ++l)
        for (int h = 0; h < 2; ++h)
            for (int j = 0; j < 3; ++j) t.valueNorms(l, h)[j] = 0.1f * static_cast<float>(1 + l + 2 * h + 3 * j);
    t.tokenIds = {5, 6, 7};
    t.setMask(core::MaskMode::causal());
    return t;
}

}  // namespace

class TestAnalysisJson : public QObject {
    Q_OBJECT

private slots:
    void jsonRoundTrip();
    void jsonWithoutInductionOrNorms();
    void csvTable();
};

void TestAnalysisJson::jsonRoundTrip() {
    const AttentionTrace t = handTrace();
    auto stats = core::computeHeadStats(t);
    core::InductionSequence seq;
    seq.ids = {1, 9, 8, 9, 8};
    seq.prefixLength = 1;
    seq.repeatLength = 2;
    seq.seed = 42;
    const std::vector<double> induction{0.25, 0.5, 0.125, core::HeadStats::kUndefined};
    core::applyInduction(stats, induction);
    const core::AnalysisJsonHeader header{"hand", "llama", "default", {"a", "b\"q", "c"}, {}};
    ATTNVIZ_UNWRAP(text, capture([&](std::FILE* f) { return core::writeAnalysisJson(f, header, t, stats, &seq); }));
    const auto j = nlohmann::json::parse(text);

    QCOMPARE(j["model"].get<std::string>(), std::string("hand"));
    QCOMPARE(j["effective_mask"].get<std::string>(), std::string("causal"));
    QCOMPARE(j["tokens"][1]["text"].get<std::string>(), std::string("b\"q"));
    QCOMPARE(j["tokens"][2]["id"].get<int>(), 7);
    QCOMPARE(j["seq_len"].get<int>(), 3);
    QCOMPARE(j["induction_seed"].get<int>(), 42);
    QCOMPARE(j["induction_repeat_length"].get<int>(), 2);
    QCOMPARE(j["induction_ids"].get<std::vector<int>>(), (std::vector<int>{1, 9, 8, 9, 8}));

    for (int l = 0; l < 2; ++l) {
        const auto m = core::meanOverHeads(t, l);
        for (int i = 0; i < 3; ++i)
            for (int k = 0; k < 3; ++k) QCOMPARE(j["mean_heads"][l][i][k].get<float>(), m(i, k));
        for (int h = 0; h < 2; ++h) {
            const auto n = core::valueWeightedNorms(t, l, h).value();
            for (int i = 0; i < 3; ++i)
                for (int k = 0; k < 3; ++k) QCOMPARE(j["value_norms"][l][h][i][k].get<float>(), n(i, k));
        }
    }
    const auto r = core::attentionRollout(t);
    for (int i = 0; i < 3; ++i)
        for (int k = 0; k < 3; ++k) QCOMPARE(j["rollout"][i][k].get<float>(), r(i, k));

    const auto& hs = j["head_stats"];
    QCOMPARE(hs.size(), std::size_t(4));
    for (int k = 0; k < 4; ++k) {
        QCOMPARE(hs[k]["layer"].get<int>(), stats[k].layer);
        QCOMPARE(hs[k]["head"].get<int>(), stats[k].head);
        QVERIFY(std::abs(hs[k]["entropy"].get<double>() - stats[k].entropy) < 1e-8);
        QVERIFY(std::abs(hs[k]["prev_token"].get<double>() - stats[k].prevToken) < 1e-8);
    }
    QCOMPARE(hs[2]["induction"].get<double>(), 0.125);
    QVERIFY(hs[3]["induction"].is_null());
    QCOMPARE(j["formulas"].size(), core::analysisFormulas().size());
}

void TestAnalysisJson::jsonWithoutInductionOrNorms() {
    AttentionTrace t(1, 1, 1, false);
    test::setHead(t, 0, 0, {{1}});
    t.tokenIds = {3};
    t.setMask(core::MaskMode::causal());
    const auto stats = core::computeHeadStats(t);
    ATTNVIZ_UNWRAP(text, capture([&](std::FILE* f) {
        return core::writeAnalysisJson(f, core::AnalysisJsonHeader{}, t, stats, nullptr);
    }));
    const auto j = nlohmann::json::parse(text);
    QVERIFY(j["value_norms"].is_null());
    QVERIFY(j["induction_seed"].is_null());
    QVERIFY(j["induction_ids"].is_null());
    QVERIFY(j["head_stats"][0]["prev_token"].is_null());
    QVERIFY(j["head_stats"][0]["induction"].is_null());
    QCOMPARE(j["head_stats"][0]["sink"].get<double>(), 1.0);
    QCOMPARE(j["rollout"][0][0].get<double>(), 1.0);
}

void TestAnalysisJson::csvTable() {
    std::vector<core::HeadStats> stats(2);
    stats[0] = {0, 1, 0.5, 1.25, 0.75, core::HeadStats::kUndefined, 1.0, 0.125};
    stats[1] = {3, 0, 0.1, 2.0, 0.0, 0.3, 0.0, core::HeadStats::kUndefined};
    ATTNVIZ_UNWRAP(csv, capture([&](std::FILE* f) { return core::writeHeadStatsCsv(f, stats); }));
    // %.9g: 0.1 and 0.3 print short; NaN is an empty field.
    QCOMPARE(csv, std::string("layer,head,entropy,mean_distance,sink,prev_token,diagonal,induction\n"
                              "0,1,0.5,1.25,0.75,,1,0.125\n"
                              "3,0,0.1,2,0,0.3,0,\n"));
}

QTEST_APPLESS_MAIN(TestAnalysisJson)
#include "test_analysis_json.moc"
