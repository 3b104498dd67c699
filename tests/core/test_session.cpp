// core::Session, the one run pipeline under the GUI and attnviz-cli: typed
// text or ids to tokens, what a run computes for each request, what it
// reuses between runs, limits, cancellation and progress. Every expectation
// is computed independently through Model::run, measureInduction and
// topPredictions on the same fixture.
#include "support/fixture_models.h"

#include "attnviz/core/induction.h"
#include "attnviz/core/predictions.h"
#include "attnviz/core/random_model.h"
#include "attnviz/core/session.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <filesystem>

using namespace attnviz;

class TestSession : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void typedIdsWithoutTokenizer();
    void defaultMaskRunIsTheSameRun();
    void maskOverrideAddsAndReusesTheDefaultRun();
    void inductionIsMeasuredOncePerMask();
    void predictionsMatchTheLmHead();
    void maskedModelWithoutMaskExplains();
    void limitsAndEmptyInput();
    void longInputsUpToTheTraceLimit();
    void cancelledRunReportsCancelled();
    void progressNamesEachStage();

private:
    std::shared_ptr<core::Session> open(const std::string& preset);
    QTemporaryDir m_root;
};

namespace {

bool sameProbabilities(const core::AttentionTrace& a, const core::AttentionTrace& b) {
    if (a.nLayers() != b.nLayers() || a.nHeads() != b.nHeads() || a.seqLen() != b.seqLen()) return false;
    const std::size_t n = static_cast<std::size_t>(a.seqLen()) * a.seqLen();
    for (int l = 0; l < a.nLayers(); ++l) {
        for (int h = 0; h < a.nHeads(); ++h) {
            if (std::memcmp(a.probs(l, h), b.probs(l, h), n * sizeof(float)) != 0) return false;
        }
    }
    return true;
}

std::vector<core::Token> idTokens(const core::Session& session, std::vector<std::int32_t> ids) {
    auto tokens = session.tokensFromIds(ids);
    return tokens ? tokens.value() : std::vector<core::Token>{};
}

}  // namespace

void TestSession::initTestCase() { QVERIFY(m_root.isValid()); }

// The fixture opened as a session; null (with the reason logged) when it
// cannot be made, which the caller's QVERIFY turns into a failure.
std::shared_ptr<core::Session> TestSession::open(const std::string& preset) {
    auto dir = test::writeFixture(m_root, preset);
    if (!dir) {
        qWarning("%s", dir.error().c_str());
        return nullptr;
    }
    auto session = core::Session::open(*dir);
    if (!session) qWarning("%s", session.error().c_str());
    return session ? session.value() : nullptr;
}

void TestSession::typedIdsWithoutTokenizer() {
    auto session = open("tiny-gpt2");
    QVERIFY(session);
    QVERIFY(session->tokenizer() == nullptr);
    QVERIFY(!session->tokenizerProblem().empty());
    auto tokens = session->tokenize({"3, 1 ;4\n1", "", false});
    QVERIFY2(tokens.ok(), tokens.ok() ? "" : tokens.error().c_str());
    QCOMPARE(tokens->size(), std::size_t(4));
    QCOMPARE((*tokens)[2].id, 4);
    QCOMPARE((*tokens)[2].display, std::string("#4"));
    auto bad = session->tokenize({"3 x7", "", false});
    QVERIFY(!bad.ok());
    QCOMPARE(bad.code(), core::ErrorCode::InvalidInput);
    QVERIFY2(bad.error().find("'x7' is not a number") != std::string::npos, bad.error().c_str());
    auto types = session->tokensFromIds(std::vector<std::int32_t>{1, 2}, std::vector<std::int32_t>{0});
    QVERIFY(!types.ok());
    QCOMPARE(types.code(), core::ErrorCode::InvalidInput);
}

void TestSession::defaultMaskRunIsTheSameRun() {
    auto session = open("tiny-llama");
    QVERIFY(session);
    const std::vector<std::int32_t> ids = {1, 5, 9, 2, 7};
    auto run = session->run(idTokens(*session, ids), core::RunRequest::forViews(core::MaskMode::defaultMode(), false));
    QVERIFY2(run.ok(), run.ok() ? "" : run.error().c_str());
    const core::RunResult& r = **run;
    QCOMPARE(r.defaultTrace.get(), r.trace.get());
    QVERIFY(r.trace->hasScores());
    QVERIFY(r.trace->hasValueNorms());
    const auto& c = session->model().config();
    QCOMPARE(r.headStats.size(), static_cast<std::size_t>(c.nLayers * c.nHeads));
    QVERIFY(std::isnan(r.headStats[0].induction));
    QVERIFY(r.needsInduction());
    QCOMPARE(r.tokens[1].display, std::string("#5"));

    core::RunOptions options;
    options.captureScores = true;
    options.captureValueNorms = true;
    auto direct = session->model().run(ids, options);
    QVERIFY(direct.ok());
    QVERIFY(sameProbabilities(*r.trace, *direct));
    const auto stats = core::computeHeadStats(*direct);
    QCOMPARE(r.headStats[3].entropy, stats[3].entropy);
}

void TestSession::maskOverrideAddsAndReusesTheDefaultRun() {
    auto session = open("tiny-gpt2");
    QVERIFY(session);
    const std::vector<std::int32_t> ids = {4, 8, 15, 16, 23, 42};
    const auto tokens = idTokens(*session, ids);
    auto bidi = session->run(tokens, core::RunRequest::forViews(core::MaskMode::bidirectional(), false));
    QVERIFY(bidi.ok());
    QVERIFY((*bidi)->trace != (*bidi)->defaultTrace);
    QVERIFY(!(*bidi)->maskIsDefault());
    QVERIFY((*bidi)->timings.defaultMaskMs > 0);

    core::RunOptions causal;
    auto direct = session->model().run(ids, causal);
    QVERIFY(direct.ok());
    QVERIFY(sameProbabilities(*(*bidi)->defaultTrace, *direct));
    core::RunOptions bidiOptions;
    bidiOptions.mask = core::MaskMode::bidirectional();
    auto directBidi = session->model().run(ids, bidiOptions);
    QVERIFY(directBidi.ok());
    QVERIFY(sameProbabilities(*(*bidi)->trace, *directBidi));
    QVERIFY(!sameProbabilities(*(*bidi)->trace, *direct));

    // Only the mask changes: the run under the model's own mask is reused.
    auto window = session->run(tokens, core::RunRequest::forViews(core::MaskMode::slidingWindow(2), false));
    QVERIFY(window.ok());
    QCOMPARE((*window)->defaultTrace.get(), (*bidi)->defaultTrace.get());
    QCOMPARE((*window)->timings.defaultMaskMs, 0.0);
    // Other tokens: it is not.
    auto other = session->run(idTokens(*session, {4, 8, 15}),
                              core::RunRequest::forViews(core::MaskMode::slidingWindow(2), false));
    QVERIFY(other.ok());
    QVERIFY((*other)->defaultTrace.get() != (*bidi)->defaultTrace.get());
    QCOMPARE((*other)->defaultTrace->seqLen(), 3);
}

void TestSession::inductionIsMeasuredOncePerMask() {
    auto session = open("tiny-llama");
    QVERIFY(session);
    core::RunRequest request = core::RunRequest::forViews(core::MaskMode::defaultMode(), false);
    request.induction = true;
    auto first = session->run(idTokens(*session, {3, 4, 5}), request);
    QVERIFY(first.ok());
    QVERIFY2((*first)->induction, (*first)->inductionProblem.c_str());
    QVERIFY(!(*first)->needsInduction());

    core::InductionOptions options;
    options.shrinkToFit = true;
    auto sequence = core::makeInductionSequence(session->model().config(), nullptr, options);
    QVERIFY(sequence.ok());
    QCOMPARE((*first)->induction->sequence.ids, sequence->ids);
    auto scores = core::measureInduction(session->model(), *sequence, session->model().defaultMask());
    QVERIFY(scores.ok());
    QCOMPARE((*first)->induction->scores, *scores);
    for (std::size_t k = 0; k < scores->size(); ++k) QCOMPARE((*first)->headStats[k].induction, (*scores)[k]);

    // Another text under the same mask: the scores come from the cache, even
    // without asking for them.
    auto second = session->run(idTokens(*session, {9, 9, 1, 2}),
                               core::RunRequest::forViews(core::MaskMode::defaultMode(), false));
    QVERIFY(second.ok());
    QCOMPARE((*second)->induction.get(), (*first)->induction.get());
    QCOMPARE((*second)->timings.inductionMs, 0.0);
    // Another mask: measured again, as the second stage of a run.
    auto bidi = session->run(idTokens(*session, {9, 9, 1, 2}),
                             core::RunRequest::forViews(core::MaskMode::bidirectional(), false));
    QVERIFY(bidi.ok());
    QVERIFY((*bidi)->needsInduction());
    auto completed = session->withInduction(**bidi);
    QVERIFY(completed.ok());
    QVERIFY((*completed)->induction);
    QCOMPARE((*completed)->induction->mask, core::MaskMode::bidirectional());
    QVERIFY((*completed)->induction->scores != (*first)->induction->scores);
    QVERIFY((*bidi)->needsInduction());  // the original is left as it was
}

void TestSession::predictionsMatchTheLmHead() {
    auto session = open("tiny-gpt2");
    QVERIFY(session);
    const std::vector<std::int32_t> ids = {5, 6, 7, 8};
    core::RunRequest request;
    request.predictions = true;
    request.topK = 3;
    auto run = session->run(idTokens(*session, ids), request);
    QVERIFY(run.ok());
    const core::RunResult& r = **run;
    QVERIFY2(r.predictionProblem.empty(), r.predictionProblem.c_str());
    QVERIFY(r.predictionsComputed);
    QVERIFY(!r.maskedLm);
    QCOMPARE(r.predictions.size(), std::size_t(1));
    QCOMPARE(r.predictions[0].position, 3);
    QVERIFY(r.trace->logits.empty());  // dropped once read
    QVERIFY(r.headStats.empty());      // not asked for

    core::RunOptions options;
    options.computeLogits = true;
    auto direct = session->model().run(ids, options);
    QVERIFY(direct.ok());
    auto top = core::topPredictions(*direct, std::vector<int>{3}, 3);
    QVERIFY(top.ok());
    QCOMPARE(r.predictions[0].top.size(), std::size_t(3));
    for (std::size_t i = 0; i < 3; ++i) {
        QCOMPARE(r.predictions[0].top[i].id, (*top)[0].top[i].id);
        QCOMPARE(r.predictions[0].top[i].probability, (*top)[0].top[i].probability);
        QCOMPARE(r.predictions[0].top[i].text, "#" + std::to_string((*top)[0].top[i].id));
    }

    // Too many logits for the limit: skipped with a message, attention kept.
    core::SessionLimits limits;
    limits.maxLogitEntries = 10;
    session->setLimits(limits);
    auto skipped = session->run(idTokens(*session, ids), request);
    QVERIFY(skipped.ok());
    QVERIFY((*skipped)->predictions.empty());
    QVERIFY2((*skipped)->predictionProblem.find("Predictions skipped") != std::string::npos,
             (*skipped)->predictionProblem.c_str());
    QVERIFY(sameProbabilities(*(*skipped)->trace, *direct));
}

void TestSession::maskedModelWithoutMaskExplains() {
    auto session = open("tiny-bert");
    QVERIFY(session);
    core::RunRequest request;
    request.predictions = true;
    auto run = session->run(idTokens(*session, {2, 5, 6, 3}), request);
    QVERIFY(run.ok());
    QVERIFY((*run)->maskedLm);
    QVERIFY((*run)->predictions.empty());
    // Typed ids without a tokenizer: no way to tell a mask id.
    QVERIFY2((*run)->predictionProblem.find("without a tokenizer") != std::string::npos,
             (*run)->predictionProblem.c_str());
}

void TestSession::limitsAndEmptyInput() {
    auto session = open("tiny-gpt2");
    QVERIFY(session);
    auto none = session->run({}, core::RunRequest{});
    QVERIFY(!none.ok());
    QCOMPARE(none.code(), core::ErrorCode::InvalidInput);
    core::SessionLimits limits;
    limits.maxTokens = 3;
    limits.maxTextChars = 5;
    session->setLimits(limits);
    auto many = session->run(idTokens(*session, {1, 2, 3, 4}), core::RunRequest{});
    QVERIFY(!many.ok());
    QCOMPARE(many.code(), core::ErrorCode::InvalidInput);
    QVERIFY2(many.error().find("at most 3") != std::string::npos, many.error().c_str());
    auto longText = session->tokenize({"1 2 3", "", false});
    QVERIFY(longText.ok());
    longText = session->tokenize({"1 2 3 4", "", false});
    QVERIFY(!longText.ok());
    QCOMPARE(longText.code(), core::ErrorCode::InvalidInput);
    // Characters, not bytes: "é" is two bytes and one character.
    auto accents = session->tokenize({"\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", "", false});
    QVERIFY(!accents.ok());
    QVERIFY2(accents.error().find("is not a number") != std::string::npos, accents.error().c_str());
    session->setLimits(core::SessionLimits::none());
    QVERIFY(session->run(idTokens(*session, {1, 2, 3, 4}), core::RunRequest{}).ok());
}

void TestSession::longInputsUpToTheTraceLimit() {
    // No fixed token count: 2000 tokens run when the model has the positions
    // and the trace fits; a trace over the limit is refused, naming its size
    // and the limit.
    const auto sessionOf = [&](const char* name, int layers, int heads) -> std::shared_ptr<core::Session> {
        auto preset = core::randomModelConfig("tiny-llama");
        if (!preset) return nullptr;
        nlohmann::json config = nlohmann::json::parse(*preset);
        config.merge_patch({{"max_position_embeddings", 4096}, {"num_hidden_layers", layers},
                            {"num_attention_heads", heads}, {"num_key_value_heads", heads},
                            {"hidden_size", 8 * heads}, {"head_dim", 8}});
        const std::filesystem::path dir = std::filesystem::path(m_root.path().toStdString()) / name;
        if (!core::writeRandomModel(config.dump(), dir, core::RandomModelOptions{})) return nullptr;
        auto session = core::Session::open(dir);
        return session ? session.value() : nullptr;
    };
    std::vector<std::int32_t> ids(2000);
    for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<std::int32_t>(1 + i * 7 % 40);
    auto small = sessionOf("long-small", 2, 2);
    QVERIFY(small);
    auto run = small->run(idTokens(*small, ids), core::RunRequest{});
    QVERIFY2(run.ok(), run.ok() ? "" : run.error().c_str());
    QCOMPARE((*run)->trace->seqLen(), 2000);
    // 16 x 32 heads x 2000^2 float32 = 8.2 GB, over the 2 GiB budget.
    auto wide = sessionOf("long-wide", 16, 32);
    QVERIFY(wide);
    auto refused = wide->run(idTokens(*wide, ids), core::RunRequest{});
    QVERIFY(!refused.ok());
    QCOMPARE(refused.code(), core::ErrorCode::OutOfMemory);
    QVERIFY2(refused.error().find("2000 tokens") != std::string::npos &&
                 refused.error().find("budget 2") != std::string::npos,
             refused.error().c_str());
    // Kept lazily when large: each layer's queries and keys (16 x 2000 x
    // 512 floats), a head computed when asked.
    core::RunRequest whenLarge;
    whenLarge.keeping = core::RunRequest::Keeping::WhenLarge;
    whenLarge.headStatistics = true;
    auto lazy = wide->run(idTokens(*wide, ids), whenLarge);
    QVERIFY2(lazy.ok(), lazy.ok() ? "" : lazy.error().c_str());
    QVERIFY((*lazy)->trace->isLazy());
    QCOMPARE((*lazy)->headStats.size(), std::size_t{16 * 32});
    const core::HeadMatrix head = (*lazy)->trace->headProbs(15, 31);  // (2000, 2000)
    double row = 0.0;
    for (int j = 0; j < 2000; ++j) row += head.data()[1999 * 2000 + j];
    QVERIFY(std::abs(row - 1.0) < 1e-4);
    // A short text stays eager under the same request.
    auto eager = small->run(idTokens(*small, ids), whenLarge);
    QVERIFY(eager.ok());
    QVERIFY(!(*eager)->trace->isLazy());
}

void TestSession::cancelledRunReportsCancelled() {
    auto session = open("tiny-llama");
    QVERIFY(session);
    std::atomic<bool> cancel{true};
    core::RunControl control;
    control.cancel = &cancel;
    auto run = session->run(idTokens(*session, {1, 2, 3}), core::RunRequest{}, control);
    QVERIFY(!run.ok());
    QCOMPARE(run.code(), core::ErrorCode::Cancelled);
    cancel = false;
    QVERIFY(session->run(idTokens(*session, {1, 2, 3}), core::RunRequest{}, control).ok());
}

void TestSession::progressNamesEachStage() {
    auto session = open("tiny-gpt2");
    QVERIFY(session);
    std::vector<std::pair<core::RunStage, int>> seen;
    int count = 0;
    core::RunControl control;
    control.progress = [&](core::RunStage stage, int index, int total) {
        seen.emplace_back(stage, index);
        count = total;
    };
    core::RunRequest request = core::RunRequest::forViews(core::MaskMode::bidirectional(), false);
    request.induction = true;
    auto run = session->run(idTokens(*session, {1, 2, 3}), request, control);
    QVERIFY(run.ok());
    QCOMPARE(count, 4);
    QCOMPARE(seen.size(), std::size_t(4));
    QCOMPARE(seen[0].first, core::RunStage::Forward);
    QCOMPARE(seen[1].first, core::RunStage::DefaultMask);
    QCOMPARE(seen[2].first, core::RunStage::Statistics);
    QCOMPARE(seen[3].first, core::RunStage::Induction);
    for (int i = 0; i < 4; ++i) QCOMPARE(seen[static_cast<std::size_t>(i)].second, i);
    QCOMPARE(core::runStageName(core::RunStage::Induction), std::string_view("induction pass"));
}

QTEST_APPLESS_MAIN(TestSession)
#include "test_session.moc"
