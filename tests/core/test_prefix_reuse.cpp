// Prefix reuse while typing: one Session runs a sequence of edits and each
// result must equal, bit for bit, what a fresh Session computes for the same
// ids (probabilities, raw scores, value norms, predictions), for every
// causal tiny model and a mid-size Llama shape; bidirectional models and
// cancelled runs do not carry anything over.
#include "support/fixture_models.h"
#include "support/verify_result.h"

#include "attnviz/core/model.h"
#include "attnviz/core/prefix_cache.h"
#include "attnviz/core/session.h"

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <random>

using namespace attnviz;

class TestPrefixReuse : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void editsMatchFreshRuns_data();
    void editsMatchFreshRuns();
    void valueNormsAfterARunWithout();
    void midSizeLlamaMatchesFreshRuns();
    void longInputsMatchFreshRuns();
    void logitsMatchFreshRuns();
    void bidirectionalModelRunsFresh();
    void cancelledRunLeavesNextRunExact();

private:
    QTemporaryDir m_tmp;
};

namespace {

using Ids = std::vector<std::int32_t>;

bool sameFloats(const float* a, const float* b, std::size_t n) { return std::memcmp(a, b, n * sizeof(float)) == 0; }

// "" when `got` equals `want` bit for bit, else what differs first.
std::string traceDifference(const core::AttentionTrace& got, const core::AttentionTrace& want) {
    if (got.nLayers() != want.nLayers() || got.nHeads() != want.nHeads() || got.seqLen() != want.seqLen())
        return "shapes differ";
    if (got.hasScores() != want.hasScores() || got.hasValueNorms() != want.hasValueNorms())
        return "recorded parts differ";
    const auto T = static_cast<std::size_t>(want.seqLen());
    for (int l = 0; l < want.nLayers(); ++l) {
        for (int h = 0; h < want.nHeads(); ++h) {
            const std::string where = " of layer " + std::to_string(l) + " head " + std::to_string(h);
            if (!sameFloats(got.probs(l, h), want.probs(l, h), T * T)) return "probabilities" + where;
            if (want.hasScores() && !sameFloats(got.rawScores(l, h), want.rawScores(l, h), T * T))
                return "raw scores" + where;
            if (want.hasValueNorms() && !sameFloats(got.valueNorms(l, h), want.valueNorms(l, h), T))
                return "value norms" + where;
        }
    }
    return {};
}

std::string predictionDifference(const core::RunResult& got, const core::RunResult& want) {
    if (got.predictions.size() != want.predictions.size()) return "prediction counts differ";
    for (std::size_t p = 0; p < want.predictions.size(); ++p) {
        const auto& a = got.predictions[p];
        const auto& b = want.predictions[p];
        if (a.position != b.position || a.top.size() != b.top.size()) return "prediction positions differ";
        for (std::size_t k = 0; k < b.top.size(); ++k) {
            if (a.top[k].id != b.top[k].id || std::memcmp(&a.top[k].probability, &b.top[k].probability, 4) != 0)
                return "prediction " + std::to_string(k) + " differs";
        }
    }
    return {};
}

// The edits of a user typing into a text of `start` ids (vocabulary `vocab`).
std::vector<Ids> editSequence(int start, int vocab, int maxLength) {
    std::mt19937 rng(11);
    std::uniform_int_distribution<int> id(0, vocab - 1);
    Ids ids;
    for (int i = 0; i < start; ++i) ids.push_back(id(rng));
    std::vector<Ids> steps{ids};
    auto step = [&](auto edit) {
        edit(ids);
        steps.push_back(ids);
    };
    step([&](Ids& v) { v.push_back(id(rng)); });                                    // append one
    step([&](Ids& v) { for (int i = 0; i < 5; ++i) v.push_back(id(rng)); });        // append several
    step([&](Ids& v) { v.pop_back(); });                                            // delete the last
    step([&](Ids& v) { v[v.size() - 8] = (v[v.size() - 8] + 1) % vocab; });         // change near the end
    step([&](Ids& v) { v[v.size() / 2] = (v[v.size() / 2] + 1) % vocab; });         // change the middle
    step([&](Ids& v) { v[0] = (v[0] + 1) % vocab; });                               // change the first
    step([](Ids&) {});                                                              // the same ids again
    step([&](Ids& v) { v.resize(v.size() - 3); });                                  // delete a word
    step([&](Ids& v) { for (int i = 0; i < 4; ++i) v.push_back(id(rng)); });        // retype it
    step([&](Ids& v) { while (static_cast<int>(v.size()) < maxLength) v.push_back(id(rng)); });  // up to the limit
    return steps;
}

// Runs `steps` through one session and each through a fresh one, step s
// with requests[s mod size]; "" when every result matched, else the first
// difference. `reused` counts the runs
// that took rows from the previous one.
std::string replay(const std::filesystem::path& dir, const std::vector<Ids>& steps,
                   const std::vector<core::RunRequest>& requests, int& reused) {
    auto typing = core::Session::open(dir);
    if (!typing) return typing.error();
    reused = 0;
    for (std::size_t s = 0; s < steps.size(); ++s) {
        auto fresh = core::Session::open(dir);
        if (!fresh) return fresh.error();
        auto tokens = (*typing)->tokensFromIds(steps[s]);
        if (!tokens) return tokens.error();
        const core::RunRequest& request = requests[s % requests.size()];
        auto got = (*typing)->run(*tokens, request);
        auto want = (*fresh)->run(*tokens, request);
        if (!got || !want) return "step " + std::to_string(s) + ": " + (got ? want.error() : got.error());
        if ((*want)->prefixRowsReused != 0) return "a fresh session reused rows";
        if ((*got)->prefixRowsReused > 0) ++reused;
        std::string diff = traceDifference(*(*got)->trace, *(*want)->trace);
        if (diff.empty()) diff = predictionDifference(**got, **want);
        if (!diff.empty()) {
            return "step " + std::to_string(s) + " (" + std::to_string(steps[s].size()) + " tokens, " +
                   std::to_string((*got)->prefixRowsReused) + " rows reused): " + diff;
        }
    }
    return {};
}

}  // namespace

void TestPrefixReuse::initTestCase() { QVERIFY(m_tmp.isValid()); }

void TestPrefixReuse::editsMatchFreshRuns_data() {
    QTest::addColumn<QString>("preset");
    for (const std::string& p : test::tinyPresets()) QTest::newRow(p.c_str()) << QString::fromStdString(p);
}

void TestPrefixReuse::editsMatchFreshRuns() {
    QFETCH(QString, preset);
    ATTNVIZ_UNWRAP(dir, test::writeFixture(m_tmp, preset.toStdString()));
    ATTNVIZ_UNWRAP(model, core::loadModel(dir));
    if (model->defaultMask() != core::MaskMode::causal()) QSKIP("bidirectional: covered by bidirectionalModelRunsFresh");
    // 40 ids, within the tiny models' positions.
    const int maxLength = std::min(64, model->config().maxSequenceLength());
    QVERIFY(maxLength > 46);
    const std::vector<Ids> steps = editSequence(40, model->config().vocabSize, maxLength);
    int reused = 0;
    const std::string diff = replay(dir, steps, {core::RunRequest::forViews(core::MaskMode{}, true)}, reused);
    QVERIFY2(diff.empty(), diff.c_str());
    QVERIFY2(reused >= 5, ("only " + std::to_string(reused) + " runs reused rows").c_str());
    // Without scores, norms or predictions as well.
    const std::string plain = replay(dir, steps, {core::RunRequest{}}, reused);
    QVERIFY2(plain.empty(), plain.c_str());
    // Value norms every other run: the kept rows' norms come from the last
    // run that recorded them, which must not serve rows a run without them
    // changed.
    const std::string alternating =
        replay(dir, steps, {core::RunRequest::forViews(core::MaskMode{}, true), core::RunRequest{}}, reused);
    QVERIFY2(alternating.empty(), alternating.c_str());
}

void TestPrefixReuse::valueNormsAfterARunWithout() {
    // Norms, then a middle edit run without them, then more text with them:
    // the kept rows' norms must not come from the first run past the edit.
    ATTNVIZ_UNWRAP(dir, test::writeFixture(m_tmp, "tiny-gpt2"));
    Ids first;
    for (int i = 0; i < 30; ++i) first.push_back((7 * i + 3) % 50);
    Ids edited = first;
    edited[10] = (edited[10] + 1) % 50;
    Ids longer = edited;
    longer.push_back(5);
    longer.push_back(9);
    const core::RunRequest views = core::RunRequest::forViews(core::MaskMode{}, true);
    int reused = 0;
    const std::string diff = replay(dir, {first, edited, longer}, {views, core::RunRequest{}, views}, reused);
    QVERIFY2(diff.empty(), diff.c_str());
    QCOMPARE(reused, 2);
}

void TestPrefixReuse::midSizeLlamaMatchesFreshRuns() {
    // BLAS kernels change with the matrix size: a shape nearer real models.
    const std::string config =
        R"({"model_type":"llama","hidden_size":256,"num_hidden_layers":4,"num_attention_heads":8,)"
        R"("num_key_value_heads":2,"intermediate_size":688,"hidden_act":"silu","max_position_embeddings":256,)"
        R"("rms_norm_eps":1e-05,"rope_theta":10000.0,"tie_word_embeddings":true,"vocab_size":1000})";
    ATTNVIZ_UNWRAP(dir, test::writeConfigFixture(m_tmp, "mid-llama", config));
    int reused = 0;
    const std::string diff =
        replay(dir, editSequence(100, 1000, 140), {core::RunRequest::forViews(core::MaskMode{}, true)}, reused);
    QVERIFY2(diff.empty(), diff.c_str());
    QVERIFY(reused >= 5);
}

void TestPrefixReuse::longInputsMatchFreshRuns() {
    // Long inputs: BLAS rounds Q K^T differently by the number of keys, and
    // past 2048 rows the MLP runs in chunks (forward_steps.cpp); an edit in
    // the middle recomputes from a row that is no chunk boundary.
    const std::string config =
        R"({"model_type":"llama","hidden_size":16,"num_hidden_layers":2,"num_attention_heads":2,)"
        R"("num_key_value_heads":1,"intermediate_size":32,"hidden_act":"silu","max_position_embeddings":4096,)"
        R"("rms_norm_eps":1e-05,"rope_theta":10000.0,"tie_word_embeddings":true,"vocab_size":50})";
    ATTNVIZ_UNWRAP(dir, test::writeConfigFixture(m_tmp, "long-llama", config));
    int reused = 0;
    const std::vector<Ids> steps = editSequence(2100, 50, 2400);
    const std::string diff = replay(dir, steps, {core::RunRequest{}}, reused);
    QVERIFY2(diff.empty(), diff.c_str());
    QVERIFY(reused >= 5);
    // With the scores the steps view shows (every key's, hidden ones too).
    const std::string views = replay(dir, steps, {core::RunRequest::forViews(core::MaskMode{}, true)}, reused);
    QVERIFY2(views.empty(), views.c_str());
}

void TestPrefixReuse::logitsMatchFreshRuns() {
    // Model::run with a cache: the logits of the asked positions too.
    ATTNVIZ_UNWRAP(dir, test::writeFixture(m_tmp, "tiny-gpt2"));
    ATTNVIZ_UNWRAP(model, core::loadModel(dir));
    core::PrefixCache typing;
    int reused = 0;
    for (const Ids& ids : editSequence(40, 50, 64)) {
        core::RunOptions options;
        options.computeLogits = true;
        options.logitPositions = {static_cast<int>(ids.size()) - 1, static_cast<int>(ids.size()) - 2};
        options.captureScores = true;
        core::PrefixCache empty;
        core::RunOptions freshOptions = options;
        freshOptions.prefixCache = &empty;
        options.prefixCache = &typing;
        ATTNVIZ_UNWRAP(got, model->run(ids, options));
        ATTNVIZ_UNWRAP(want, model->run(ids, freshOptions));
        if (typing.firstRow() > 0) ++reused;
        QVERIFY2(traceDifference(got, want).empty(), traceDifference(got, want).c_str());
        QCOMPARE(got.logits.size(), want.logits.size());
        QVERIFY(sameFloats(got.logits.data(), want.logits.data(), want.logits.size()));
    }
    QVERIFY(reused >= 5);
}

void TestPrefixReuse::bidirectionalModelRunsFresh() {
    ATTNVIZ_UNWRAP(dir, test::writeFixture(m_tmp, "tiny-bert"));
    int reused = 0;
    const std::string diff = replay(dir, editSequence(40, 50, 64), {core::RunRequest::forViews(core::MaskMode{}, true)}, reused);
    QVERIFY2(diff.empty(), diff.c_str());
    QCOMPARE(reused, 0);
    // A causal model under a bidirectional override: nothing reused either.
    ATTNVIZ_UNWRAP(gpt2, test::writeFixture(m_tmp, "tiny-gpt2"));
    const std::string overridden =
        replay(gpt2, editSequence(40, 50, 64), {core::RunRequest::forViews(core::MaskMode::bidirectional(), false)}, reused);
    QVERIFY2(overridden.empty(), overridden.c_str());
    QCOMPARE(reused, 0);
}

void TestPrefixReuse::cancelledRunLeavesNextRunExact() {
    ATTNVIZ_UNWRAP(dir, test::writeFixture(m_tmp, "tiny-llama"));
    ATTNVIZ_UNWRAP(typing, core::Session::open(dir));
    ATTNVIZ_UNWRAP(fresh, core::Session::open(dir));
    const std::vector<Ids> steps = editSequence(40, 50, 64);
    const core::RunRequest request = core::RunRequest::forViews(core::MaskMode{}, true);
    ATTNVIZ_UNWRAP(first, typing->tokensFromIds(steps[0]));
    ATTNVIZ_VERIFY_OK(typing->run(first, request));
    // Cancelled after the first layer: whatever it left in the cache must not be used.
    std::atomic<bool> cancel{false};
    core::RunControl control;
    control.cancel = &cancel;
    control.progress = [&](core::RunStage, int, int) { cancel = true; };
    ATTNVIZ_UNWRAP(second, typing->tokensFromIds(steps[1]));
    auto stopped = typing->run(second, request, control);
    QVERIFY(!stopped.ok());
    QCOMPARE(test::codeName(stopped.code()), test::codeName(core::ErrorCode::Cancelled));
    ATTNVIZ_UNWRAP(third, typing->tokensFromIds(steps[2]));
    ATTNVIZ_UNWRAP(got, typing->run(third, request));
    ATTNVIZ_UNWRAP(want, fresh->run(third, request));
    QCOMPARE(got->prefixRowsReused, 0);
    QVERIFY2(traceDifference(*got->trace, *want->trace).empty(), "the run after a cancelled one differs");
    // And the one after it reuses again.
    ATTNVIZ_UNWRAP(fourth, typing->tokensFromIds(steps[3]));
    ATTNVIZ_UNWRAP(again, typing->run(fourth, request));
    QVERIFY(again->prefixRowsReused > 0);
}

QTEST_GUILESS_MAIN(TestPrefixReuse)
#include "test_prefix_reuse.moc"
