// The project's own default models (resources/models), loaded through the
// same code as any downloaded model, against the reference outputs their
// training script computed with its own PyTorch forward
// (tests/data/default_models): ids from text, attention within 1e-5, the
// top-5 predictions, the held-out loss, and signs that the models learned;
// each folder holds the files Hugging Face's loaders read.
#include "support/test_paths.h"
#include "support/verify_result.h"

#include "attnviz/core/head_stats.h"
#include "attnviz/core/model.h"
#include "attnviz/core/predictions.h"
#include "attnviz/core/tokenizer.h"

#include <QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

using namespace attnviz;

namespace {

struct Loaded {
    std::unique_ptr<core::Model> model;
    std::unique_ptr<core::Tokenizer> tokenizer;
    nlohmann::json reference;
};

// Unigram entropy of the targets, with the frequencies fitted on those very
// targets: no unigram model does better on them, so it is a strict baseline.
double unigramEntropy(const std::vector<std::int32_t>& targets) {
    std::map<std::int32_t, int> counts;
    for (auto t : targets) ++counts[t];
    double h = 0;
    for (const auto& [id, c] : counts) {
        const double p = static_cast<double>(c) / targets.size();
        h -= p * std::log(p);
    }
    return h;
}

// The model card's figure for the fixed held-out sample: the row
// "| fixed held-out evaluation sample | <loss> | <perplexity> |" of README.md.
double modelCardEvalLoss(const std::filesystem::path& card) {
    std::ifstream in(card);
    const std::string prefix = "| fixed held-out evaluation sample |";
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(prefix, 0) == 0) return std::stod(line.substr(prefix.size()));
    }
    return std::nan("");
}

}  // namespace

class TestDefaultModels : public QObject {
    Q_OBJECT

private slots:
    void sentences_data();
    void sentences();
    void longInput_data();
    void longInput();
    void heldOutLoss_data();
    void heldOutLoss();
    void causalModelHasPreviousTokenHead();
    void holdsTheFilesHuggingFaceReads_data();
    void holdsTheFilesHuggingFaceReads();

private:
    // Loaded once per model; an error names the folder or file at fault.
    core::Result<Loaded*> load(const QString& name);
    std::map<QString, Loaded> m_loaded;
};

namespace {

// One row per bundled model.
void addModelColumn() {
    QTest::addColumn<QString>("model");
    QTest::newRow("causal") << "attnviz-gpt2-gutenberg";
    QTest::newRow("masked") << "attnviz-bert-gutenberg";
}

}  // namespace

core::Result<Loaded*> TestDefaultModels::load(const QString& name) {
    auto& slot = m_loaded[name];
    if (!slot.model) {
        const auto dir = test::sourceDir() / "resources" / "models" / name.toStdString();
        auto model = core::loadModel(dir);
        if (!model) return model.takeError();
        auto tok = core::loadTokenizer(dir);
        if (!tok) return tok.takeError();
        const auto file = test::testDataDir() / "default_models" / (name.toStdString() + ".json");
        std::ifstream in(file);
        slot.reference = nlohmann::json::parse(in, nullptr, false);
        if (slot.reference.is_discarded()) {
            return core::makeError(core::ErrorCode::CorruptFile, file.string() + " is missing or not JSON");
        }
        slot.model = std::move(model.value());
        slot.tokenizer = std::move(tok.value());
    }
    return &slot;
}

void TestDefaultModels::sentences_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<int>("index");
    for (const char* name : {"attnviz-gpt2-gutenberg", "attnviz-bert-gutenberg"}) {
        std::ifstream in(test::testDataDir() / "default_models" / (std::string(name) + ".json"));
        QVERIFY2(in, qPrintable(QString("missing reference data for %1").arg(name)));
        const auto j = nlohmann::json::parse(in, nullptr, false);
        QVERIFY2(!j.is_discarded(), qPrintable(QString("reference data for %1 is not JSON").arg(name)));
        for (std::size_t i = 0; i < j["sentences"].size(); ++i) {
            QTest::newRow(qPrintable(QString("%1 #%2").arg(name).arg(i))) << QString(name) << static_cast<int>(i);
        }
    }
}

void TestDefaultModels::sentences() {
    QFETCH(QString, model);
    QFETCH(int, index);
    ATTNVIZ_UNWRAP(loaded, load(model));
    Loaded& m = *loaded;
    const auto& s = m.reference["sentences"][static_cast<std::size_t>(index)];

    // 1. Text -> ids through the tokenizer files in the model folder.
    const std::string text = s["text"].get<std::string>();
    auto enc = s.contains("text_pair") ? m.tokenizer->encode(text, s["text_pair"].get<std::string>())
                                       : m.tokenizer->encode(text);
    QVERIFY2(enc.ok(), enc.ok() ? "" : enc.error().c_str());
    const auto ids = s["input_ids"].get<std::vector<std::int32_t>>();
    QCOMPARE(enc->ids(), ids);
    if (s.contains("token_type_ids")) QCOMPARE(enc->typeIds(), s["token_type_ids"].get<std::vector<std::int32_t>>());

    // 2. Attention of every layer and head within 1e-5.
    core::RunOptions options;
    options.computeLogits = true;
    if (m.model->hasTokenTypes()) options.tokenTypeIds = enc->typeIds();
    auto trace = m.model->run(ids, options);
    QVERIFY(trace.ok());
    const auto& att = s["attentions"];
    QCOMPARE(static_cast<int>(att.size()), trace->nLayers());
    float worst = 0;
    for (int l = 0; l < trace->nLayers(); ++l)
        for (int h = 0; h < trace->nHeads(); ++h)
            for (int i = 0; i < trace->seqLen(); ++i)
                for (int k = 0; k < trace->seqLen(); ++k) {
                    const float ref = static_cast<float>(att[l][h][i][k].get<double>());
                    if (ref == 0.0f) QCOMPARE(trace->prob(l, h, i, k), 0.0f);
                    worst = std::max(worst, std::fabs(trace->prob(l, h, i, k) - ref));
                }
    QVERIFY2(worst <= 1e-5f, qPrintable(QString("max |attention - PyTorch| = %1").arg(worst)));

    // 3. Top-5 predictions: the same ids, probabilities within 1e-5.
    std::vector<nlohmann::json> expected;
    if (s.contains("top5_next")) expected.push_back(s["top5_next"]);
    if (s.contains("top5_mask")) for (const auto& e : s["top5_mask"]) expected.push_back(e);
    const std::vector<int> positions = core::predictionPositions(m.model->config(), enc->tokens);
    QCOMPARE(positions.size(), expected.size());
    auto predictions = core::topPredictions(*trace, positions, 5);
    QVERIFY(predictions.ok());
    for (std::size_t p = 0; p < expected.size(); ++p) {
        QCOMPARE((*predictions)[p].position, expected[p]["position"].get<int>());
        for (int r = 0; r < 5; ++r) {
            QCOMPARE((*predictions)[p].top[r].id, expected[p]["ids"][r].get<std::int32_t>());
            QVERIFY(std::fabs((*predictions)[p].top[r].probability - expected[p]["probs"][r].get<double>()) < 1e-5);
        }
    }
}

void TestDefaultModels::longInput_data() { addModelColumn(); }

void TestDefaultModels::longInput() {
    // Issue 19: the default models take inputs of at least 1024 tokens. A
    // full-length held-out input: the reference's attention rows (the first
    // position, the last position of the 128-token first stage, the first
    // new position, the middle and the end) within 1e-5, and the top-5.
    QFETCH(QString, model);
    ATTNVIZ_UNWRAP(loaded, load(model));
    Loaded& m = *loaded;
    QVERIFY2(m.reference.contains("long"), "the reference data has no 'long' input");
    const auto& lg = m.reference["long"];
    const auto ids = lg["input_ids"].get<std::vector<std::int32_t>>();
    QVERIFY2(m.model->config().maxPositions >= 1024,
             qPrintable(QString("%1 takes %2 positions; issue 19 asks for 1024").arg(model).arg(m.model->config().maxPositions)));
    QCOMPARE(static_cast<int>(ids.size()), m.model->config().maxPositions);
    core::RunOptions options;
    options.computeLogits = true;
    if (lg.contains("token_type_ids")) options.tokenTypeIds = lg["token_type_ids"].get<std::vector<std::int32_t>>();
    auto trace = m.model->run(ids, options);
    QVERIFY2(trace.ok(), trace.ok() ? "" : trace.error().c_str());
    const auto queries = lg["queries"].get<std::vector<int>>();
    const auto& rows = lg["attention_rows"];
    QCOMPARE(static_cast<int>(rows.size()), trace->nLayers());
    float worst = 0;
    for (int l = 0; l < trace->nLayers(); ++l)
        for (int h = 0; h < trace->nHeads(); ++h)
            for (std::size_t q = 0; q < queries.size(); ++q) {
                const auto& row = rows[l][h][q];
                QCOMPARE(static_cast<int>(row.size()), trace->seqLen());
                for (int k = 0; k < trace->seqLen(); ++k) {
                    const float ref = static_cast<float>(row[k].get<double>());
                    worst = std::max(worst, std::fabs(trace->prob(l, h, queries[q], k) - ref));
                }
            }
    QVERIFY2(worst <= 1e-5f, qPrintable(QString("max |attention - PyTorch| = %1 at %2 tokens").arg(worst).arg(ids.size())));
    std::vector<nlohmann::json> expected;
    if (lg.contains("top5_next")) expected.push_back(lg["top5_next"]);
    if (lg.contains("top5_mask")) for (const auto& e : lg["top5_mask"]) expected.push_back(e);
    QVERIFY(!expected.empty());
    std::vector<int> positions;
    for (const auto& e : expected) positions.push_back(e["position"].get<int>());
    auto predictions = core::topPredictions(*trace, positions, 5);
    QVERIFY(predictions.ok());
    for (std::size_t p = 0; p < expected.size(); ++p) {
        for (int r = 0; r < 5; ++r) {
            QCOMPARE((*predictions)[p].top[r].id, expected[p]["ids"][r].get<std::int32_t>());
            QVERIFY(std::fabs((*predictions)[p].top[r].probability - expected[p]["probs"][r].get<double>()) < 1e-5);
        }
    }
}

void TestDefaultModels::heldOutLoss_data() { addModelColumn(); }

void TestDefaultModels::heldOutLoss() {
    // The fixed held-out sample: the engine's mean cross-entropy equals the
    // training script's within 1%, and the causal model beats the best
    // unigram model by far.
    QFETCH(QString, model);
    ATTNVIZ_UNWRAP(loaded, load(model));
    Loaded& m = *loaded;
    const auto& ev = m.reference["eval"];
    const bool masked = m.model->config().isEncoder();
    double total = 0;
    std::size_t count = 0;
    std::vector<std::int32_t> allTargets;
    for (std::size_t r = 0; r < ev["input_ids"].size(); ++r) {
        const auto ids = ev["input_ids"][r].get<std::vector<std::int32_t>>();
        std::vector<int> positions;
        std::vector<std::int32_t> targets;
        if (masked) {
            const auto labels = ev["labels"][r].get<std::vector<std::int32_t>>();
            for (std::size_t i = 0; i < labels.size(); ++i) {
                if (labels[i] != -100) {
                    positions.push_back(static_cast<int>(i));
                    targets.push_back(labels[i]);
                }
            }
        } else {
            for (std::size_t i = 0; i + 1 < ids.size(); ++i) {
                positions.push_back(static_cast<int>(i));
                targets.push_back(ids[i + 1]);
            }
        }
        core::RunOptions options;
        options.computeLogits = true;
        auto trace = m.model->run(ids, options);
        QVERIFY(trace.ok());
        auto ce = core::meanCrossEntropy(*trace, positions, targets);
        QVERIFY(ce.ok());
        total += *ce * static_cast<double>(targets.size());
        count += targets.size();
        allTargets.insert(allTargets.end(), targets.begin(), targets.end());
    }
    const double loss = total / static_cast<double>(count);
    const double reference = ev["loss"].get<double>();
    QVERIFY2(std::fabs(loss - reference) <= 0.01 * reference,
             qPrintable(QString("engine %1 vs training script %2").arg(loss).arg(reference)));
    const double card = modelCardEvalLoss(test::sourceDir() / "resources" / "models" / model.toStdString() / "README.md");
    QVERIFY2(std::isfinite(card), "the model card has no 'fixed held-out evaluation sample' row");
    QVERIFY2(std::fabs(loss - card) <= 0.01 * card,
             qPrintable(QString("engine %1 vs model card %2").arg(loss).arg(card)));
    qInfo("%s: held-out loss %.4f (training script %.4f, model card %.4f)", qPrintable(model), loss, reference, card);
    if (!masked) {
        // 2016 next-token targets: enough for an in-sample unigram fit to be a
        // fair (if anything optimistic) baseline.
        const double unigram = unigramEntropy(allTargets);
        qInfo("best unigram model on the same targets: %.4f", unigram);
        QVERIFY2(loss < unigram - 1.0, qPrintable(QString("loss %1 is not far below the unigram %2").arg(loss).arg(unigram)));
    }
}

void TestDefaultModels::causalModelHasPreviousTokenHead() {
    // Mean attention on the previous token over the held-out sample; a head in
    // layer >= 1 must exceed 0.5.
    ATTNVIZ_UNWRAP(loaded, load("attnviz-gpt2-gutenberg"));
    Loaded& m = *loaded;
    const auto& ev = m.reference["eval"];
    const int L = m.model->config().nLayers, H = m.model->config().nHeads;
    std::vector<double> sum(static_cast<std::size_t>(L * H), 0.0);
    for (const auto& row : ev["input_ids"]) {
        auto trace = m.model->run(row.get<std::vector<std::int32_t>>(), {});
        QVERIFY(trace.ok());
        const auto stats = core::computeHeadStats(*trace);
        for (const auto& s : stats) sum[static_cast<std::size_t>(s.layer * H + s.head)] += s.prevToken;
    }
    int bestLayer = -1, bestHead = -1;
    double best = 0;
    for (int l = 1; l < L; ++l)
        for (int h = 0; h < H; ++h) {
            const double v = sum[static_cast<std::size_t>(l * H + h)] / static_cast<double>(ev["input_ids"].size());
            if (v > best) { best = v; bestLayer = l; bestHead = h; }
        }
    qInfo("strongest previous-token head in layers >= 1: L%d H%d = %.3f", bestLayer, bestHead, best);
    QVERIFY2(best > 0.5, qPrintable(QString("no clear previous-token head in layers >= 1: the best, L%1 H%2, "
                                            "scores %3 (issue 6 asks for > 0.5)")
                                        .arg(bestLayer).arg(bestHead).arg(best)));
}

void TestDefaultModels::holdsTheFilesHuggingFaceReads_data() {
    // The file each tokenizer class's vocab_files_names gives in transformers
    // (LlamaTokenizer: tokenizer.model; AlbertTokenizer: spiece.model):
    // AutoTokenizer looks for no other name.
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("tokenizerClass");
    QTest::addColumn<QString>("file");
    QTest::newRow("causal") << "attnviz-gpt2-gutenberg" << "LlamaTokenizer" << "tokenizer.model";
    QTest::newRow("masked") << "attnviz-bert-gutenberg" << "AlbertTokenizer" << "spiece.model";
}

void TestDefaultModels::holdsTheFilesHuggingFaceReads() {
    QFETCH(QString, name);
    QFETCH(QString, tokenizerClass);
    QFETCH(QString, file);
    const auto dir = test::sourceDir() / "resources" / "models" / name.toStdString();
    std::ifstream in(dir / "tokenizer_config.json");
    const auto config = nlohmann::json::parse(in, nullptr, false);
    QVERIFY2(!config.is_discarded(), "tokenizer_config.json is missing or not JSON");
    QCOMPARE(QString::fromStdString(config.value("tokenizer_class", std::string())), tokenizerClass);
    for (const QString& needed : {file, QStringLiteral("config.json"), QStringLiteral("model.safetensors")}) {
        QVERIFY2(std::filesystem::is_regular_file(dir / needed.toStdString()),
                 qPrintable(QString("%1 lacks %2").arg(name, needed)));
    }
}

QTEST_APPLESS_MAIN(TestDefaultModels)
#include "test_default_models.moc"
