// The predictions panel shows what core::topPredictions computes from the
// LM head: the top-5 next tokens of a causal model, the top-5 fillers of each
// [MASK] of a masked model (a tiny BERT with a WordPiece vocabulary written
// here), with the same ids and probabilities; runs skip the LM head when the
// panel is off; a masked model without [MASK] says what to type.
#include "support/test_settings.h"
#include "ui_fixture.h"
#include "support/verify_result.h"

#include "attnviz/core/predictions.h"
#include "attnviz/ui/session/session_model.h"
#include "attnviz/ui/window/main_window.h"
#include "panels/input_panel.h"
#include "panels/predictions_panel.h"
#include "window/default_models.h"

#include <QAction>
#include <QLabel>
#include <QMenu>
#include <QPlainTextEdit>
#include <QTreeWidget>
#include <QtTest>

using namespace attnviz;

namespace {

// 50 entries, the size of the tiny-bert preset's vocabulary.
std::string tinyVocab() {
    const char* words[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat", ".", "a",
                           "dog", "ran", "to", "park", "it", "was", "tired", "because", "and", "he", "she", "saw",
                           "big", "red", "ball", "happy", "little", "in", "house", "of", "with", "is", "day", "sun",
                           "tree", "bird", "sang", "song", "then", "went", "home", "slept", "ate", "food", "good",
                           "bad", "##s", ","};
    std::string vocab;
    for (const char* w : words) vocab += std::string(w) + "\n";
    return vocab;
}

const char* kTinyBertMlm =
    R"({"model_type":"bert","hidden_size":8,"num_hidden_layers":2,"num_attention_heads":2,"intermediate_size":16,)"
    R"("hidden_act":"gelu","max_position_embeddings":64,"type_vocab_size":2,"layer_norm_eps":1e-12,"vocab_size":50,)"
    R"("pad_token_id":0,"architectures":["BertForMaskedLM"]})";

// What the core itself predicts for `ids`.
core::Result<std::vector<core::PositionPrediction>> corePredictions(const ui::LoadedModel& model, const std::vector<core::Token>& tokens) {
    core::RunOptions options;
    options.computeLogits = true;
    std::vector<std::int32_t> ids;
    for (const core::Token& t : tokens) ids.push_back(t.id);
    if (model.model->hasTokenTypes()) options.tokenTypeIds.assign(ids.size(), 0);
    auto trace = model.model->run(ids, options);
    if (!trace) return core::prefixError("run: ", trace.takeError());
    const auto positions = core::predictionPositions(model.model->config(), tokens);
    auto top = core::topPredictions(*trace, positions, 5);
    if (!top) return core::prefixError("top: ", top.takeError());
    return top;
}

// The panel against core's own predictions (or the error that kept core from making them).
void comparePanel(const ui::PredictionsPanel& panel, const core::Result<std::vector<core::PositionPrediction>>& computed) {
    QVERIFY2(computed.ok(), ATTNVIZ_RESULT_MESSAGE(computed));
    const std::vector<core::PositionPrediction>& expected = *computed;
    QTreeWidget* tree = panel.tree();
    QCOMPARE(tree->topLevelItemCount(), static_cast<int>(expected.size()));
    for (int p = 0; p < tree->topLevelItemCount(); ++p) {
        QTreeWidgetItem* heading = tree->topLevelItem(p);
        const auto& want = expected[static_cast<std::size_t>(p)].top;
        QCOMPARE(heading->childCount(), 5);
        for (int k = 0; k < 5; ++k) {
            QTreeWidgetItem* row = heading->child(k);
            QCOMPARE(row->data(0, ui::PredictionsPanel::kIdRole).toInt(), want[static_cast<std::size_t>(k)].id);
            QCOMPARE(row->data(2, ui::PredictionsPanel::kProbabilityRole).toFloat(), want[static_cast<std::size_t>(k)].probability);
            QVERIFY(row->text(2).endsWith(QStringLiteral(" %")));
        }
    }
}

}  // namespace

class TestPredictionsPanel : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void causalNextToken();
    void maskedFillers();
    void maskedWithoutMaskSaysWhatToType();
    void offMeansNoLmHead();
    void windowUpdatesWithEachRun();
    void defaultMaskedModelOneClickAway();

private:
    QTemporaryDir m_tmp;
    QTemporaryDir m_settingsDir;
    ui::LoadedModel m_gpt2;
    ui::LoadedModel m_bert;
};

void TestPredictionsPanel::initTestCase() {
    // QSettings away from the user's own and from tests running alongside.
    QVERIFY(test::isolateSettings(m_settingsDir.path()));
    ATTNVIZ_UNWRAP_TO(m_gpt2, test::loadFixture(m_tmp, "tiny-gpt2"));
    ATTNVIZ_UNWRAP_TO(m_bert, test::loadConfigModel(m_tmp, "tiny-bert-mlm", kTinyBertMlm, {{"vocab.txt", tinyVocab()}}));
    QVERIFY(m_bert.tokenizer != nullptr);
    QCOMPARE(m_bert.maskToken, QStringLiteral("[MASK]"));
}

void TestPredictionsPanel::causalNextToken() {
    ui::RunFeatures features;
    features.predictions = true;
    const std::vector<int> ids{5, 17, 2, 33, 8};
    auto run = ui::runSession(m_gpt2, test::idTokens(ids), core::MaskMode::defaultMode(), nullptr, features);
    QVERIFY(run);
    const auto result = run.value();
    QVERIFY(result->predictionsComputed);
    QVERIFY(!result->maskedLm);
    QCOMPARE(result->predictions.size(), std::size_t(1));
    QCOMPARE(result->predictions[0].position, 4);
    QVERIFY(result->trace->logits.empty());  // read, then dropped
    ui::PredictionsPanel panel;
    panel.setResult(result);
    comparePanel(panel, corePredictions(m_gpt2, test::idTokens(ids)));
    QVERIFY(panel.tree()->topLevelItem(0)->text(0).contains(QStringLiteral("#8")));
    QVERIFY(panel.message().isEmpty());
}

void TestPredictionsPanel::maskedFillers() {
    ui::RunFeatures features;
    features.predictions = true;
    const QString text = QStringLiteral("The [MASK] sat on the [MASK].");
    ATTNVIZ_UNWRAP(result, test::runText(m_bert, text, features));
    QVERIFY(result->maskedLm);
    QCOMPARE(result->predictions.size(), std::size_t(2));
    QCOMPARE(result->predictions[0].position, 2);  // [CLS] the [MASK]
    ui::PredictionsPanel panel;
    panel.setResult(result);
    auto tokens = m_bert.tokenizer->encode(text.toStdString());
    QVERIFY(tokens);
    comparePanel(panel, corePredictions(m_bert, tokens->tokens));
    QVERIFY(panel.tree()->topLevelItem(0)->text(0).startsWith(QStringLiteral("[MASK] at position 2")));
    // The rows show the tokenizer's text of each id.
    const auto first = result->predictions[1].top[0];
    QVERIFY(panel.tree()->topLevelItem(1)->child(0)->text(0).endsWith(QString::fromStdString(m_bert.tokenizer->display(first.id))));
}

void TestPredictionsPanel::maskedWithoutMaskSaysWhatToType() {
    ui::RunFeatures features;
    features.predictions = true;
    ATTNVIZ_UNWRAP(result, test::runText(m_bert, QStringLiteral("the cat sat on the mat."), features));
    QVERIFY(result->predictions.empty());
    QVERIFY(result->predictionNeedsMask);
    ui::PredictionsPanel panel;
    panel.setResult(result);
    QVERIFY2(panel.message().contains(QStringLiteral("type [MASK]")), qPrintable(panel.message()));
    QSignalSpy example(&panel, &ui::PredictionsPanel::exampleRequested);
    QLabel* label = panel.findChild<QLabel*>(QStringLiteral("predictionsMessage"));
    QVERIFY(label != nullptr);
    emit label->linkActivated(QStringLiteral("example"));
    QCOMPARE(example.count(), 1);
    QCOMPARE(example.at(0).at(0).toString(), QStringLiteral("The [MASK] sat on the mat."));
}

void TestPredictionsPanel::offMeansNoLmHead() {
    ATTNVIZ_UNWRAP(result, test::runIds(m_gpt2, {1, 2, 3}));
    QVERIFY(!result->predictionsComputed);
    QVERIFY(result->predictions.empty());
    ui::PredictionsPanel panel;
    panel.setPredictionsWanted(false);
    panel.setResult(result);
    QVERIFY(panel.tree()->isHidden());
    QCOMPARE(panel.tree()->topLevelItemCount(), 0);
}

void TestPredictionsPanel::windowUpdatesWithEachRun() {
    ui::MainWindow window;
    ui::SessionModel* session = window.session();
    ui::PredictionsPanel* panel = window.inputPanel()->predictionsPanel();
    panel->setPredictionsWanted(true);
    QVERIFY(session->features().predictions);
    QSignalSpy ready(session, &ui::SessionModel::resultReady);
    window.inputPanel()->textEdit()->setPlainText(QStringLiteral("5 17 2"));
    session->setModel(m_gpt2);
    QVERIFY(ready.wait(10000));
    comparePanel(*panel, corePredictions(m_gpt2, test::idTokens({5, 17, 2})));
    window.inputPanel()->textEdit()->setPlainText(QStringLiteral("5 17 2 40 41"));
    QVERIFY(ready.wait(10000));
    comparePanel(*panel, corePredictions(m_gpt2, test::idTokens({5, 17, 2, 40, 41})));
    // Off: the next run does not compute logits; on again: recomputed at once.
    panel->setPredictionsWanted(false);
    QVERIFY(!session->features().predictions);
    window.inputPanel()->textEdit()->setPlainText(QStringLiteral("9 9"));
    QVERIFY(ready.wait(10000));
    QVERIFY(!session->result()->predictionsComputed);
    panel->setPredictionsWanted(true);
    QVERIFY(ready.wait(10000));
    QVERIFY(session->result()->predictionsComputed);
    comparePanel(*panel, corePredictions(m_gpt2, test::idTokens({9, 9})));
}

void TestPredictionsPanel::defaultMaskedModelOneClickAway() {
    // The Models menu lists the embedded models; the masked one (trained by
    // tools/train) fills in [MASK]. Skipped while it is not trained yet.
    const auto models = ui::defaultModels();
    const auto masked = std::find_if(models.begin(), models.end(), [](const ui::DefaultModel& m) { return !m.causal; });
    if (masked == models.end()) QSKIP("no masked default model in resources/models yet");
    ui::MainWindow window;
    ui::SessionModel* session = window.session();
    window.inputPanel()->predictionsPanel()->setPredictionsWanted(true);
    QSignalSpy loaded(session, &ui::SessionModel::modelChanged);
    QSignalSpy ready(session, &ui::SessionModel::resultReady);
    window.inputPanel()->textEdit()->setPlainText(QStringLiteral("The [MASK] sat on the mat."));
    QAction* action = nullptr;
    for (QAction* a : window.modelsMenu()->actions()) {
        if (a->data().toString() == masked->dir) action = a;
    }
    QVERIFY(action != nullptr);
    action->trigger();
    QVERIFY(loaded.wait(30000));
    QVERIFY(ready.wait(30000));
    const auto result = session->result();
    QVERIFY(result->maskedLm);
    QCOMPARE(result->predictions.size(), std::size_t(1));
    ui::PredictionsPanel* panel = window.inputPanel()->predictionsPanel();
    QCOMPARE(panel->tree()->topLevelItemCount(), 1);
    QCOMPARE(panel->tree()->topLevelItem(0)->childCount(), 5);
    auto tokens = session->model().tokenizer->encode("The [MASK] sat on the mat.");
    QVERIFY(tokens);
    comparePanel(*panel, corePredictions(session->model(), tokens->tokens));
}

QTEST_MAIN(TestPredictionsPanel)
#include "test_predictions_panel.moc"
