// The Generation and Alignment tabs in the window: a decoder-only model
// generates from the run's tokens exactly as core::generateCausal does (greedy
// and sampled), a step lights its query's row, Cancel stops a generation and
// delivers nothing, the options are remembered; an encoder-decoder model
// without a target shows its generation in the timeline and the alignment
// tab, and a step switches the views to the decoder with that row lit.
#include "support/test_paths.h"
#include "support/test_settings.h"
#include "support/verify_result.h"
#include "ui_fixture.h"

#include "attnviz/core/generation.h"
#include "attnviz/core/model.h"
#include "attnviz/ui/session/session_model.h"
#include "attnviz/ui/views/alignment_view.h"
#include "attnviz/ui/views/generation_timeline.h"
#include "attnviz/ui/window/main_window.h"
#include "panels/input_panel.h"
#include "window/generation_panel.h"
#include "window/view_state.h"
#include "window/view_tabs.h"

#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

using namespace attnviz;

class TestGenerationPanel : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void causalGenerationEqualsTheCore_data();
    void causalGenerationEqualsTheCore();
    void cancelStopsIt();
    void optionsAreRemembered();
    void encoderDecoderTimelineAndAlignment();

private:
    std::unique_ptr<ui::MainWindow> openWindow(const QString& dir, const QString& text);

    QTemporaryDir m_settings;
    QTemporaryDir m_tmp;
    QString m_gpt2;
};

void TestGenerationPanel::initTestCase() {
    QVERIFY(test::isolateSettings(m_settings.path()));
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-gpt2"));
    m_gpt2 = model.dir;
}

std::unique_ptr<ui::MainWindow> TestGenerationPanel::openWindow(const QString& dir, const QString& text) {
    auto window = std::make_unique<ui::MainWindow>();
    window->inputPanel()->textEdit()->setPlainText(text);
    window->openModelFolder(dir);
    const bool ok = QTest::qWaitFor([&] {
        return window->session()->result() && !window->session()->isComputing() &&
               window->session()->input().text == text;
    }, 30000);
    return ok ? std::move(window) : nullptr;
}

void TestGenerationPanel::causalGenerationEqualsTheCore_data() {
    QTest::addColumn<double>("temperature");
    QTest::newRow("greedy") << 0.0;
    QTest::newRow("sampled") << 0.8;
}

void TestGenerationPanel::causalGenerationEqualsTheCore() {
    QFETCH(double, temperature);
    auto window = openWindow(m_gpt2, QStringLiteral("5 17 2 33"));
    QVERIFY(window);
    ui::GenerationPanel* panel = window->findChild<ui::ViewTabs*>()->generationPanel();
    core::GenerateOptions o;
    o.maxNewTokens = 6;
    o.temperature = temperature;
    o.topK = temperature > 0 ? 10 : 0;
    o.seed = 11;
    panel->setOptions(o);
    panel->generate();
    ui::GenerationTimeline* timeline = panel->timeline();
    QTRY_VERIFY_WITH_TIMEOUT(!timeline->isGenerating() && timeline->stepCount() > 0, 20000);

    const std::vector<std::int32_t> prompt{5, 17, 2, 33};
    ATTNVIZ_UNWRAP(expected, core::generateCausal(*window->session()->model().model, prompt, o));
    QCOMPARE(timeline->stepCount(), static_cast<int>(expected.steps.size()));
    for (int s = 0; s < timeline->stepCount(); ++s) {
        QCOMPARE(timeline->generation().steps[static_cast<std::size_t>(s)].id, expected.steps[static_cast<std::size_t>(s)].id);
    }
    // Step 0's query is the prompt's last position: its row lights up.
    QSignalSpy chosen(timeline, &ui::GenerationTimeline::stepChosen);
    // A later step's query is past the run's tokens: nothing lit.
    timeline->setStep(2);
    QCOMPARE(window->viewState()->highlightToken(), -1);
    timeline->setStep(0);
    QCOMPARE(chosen.size(), 2);
    QCOMPARE(chosen.last().at(1).toInt(), 3);
    QCOMPARE(window->viewState()->highlightToken(), 3);
}

void TestGenerationPanel::cancelStopsIt() {
    auto window = openWindow(m_gpt2, QStringLiteral("5 17"));
    QVERIFY(window);
    ui::GenerationPanel* panel = window->findChild<ui::ViewTabs*>()->generationPanel();
    core::GenerateOptions o;
    o.maxNewTokens = 1000;  // the fixture has 64 positions: it runs until cancelled or full
    panel->setOptions(o);
    panel->generate();
    QVERIFY(panel->timeline()->isGenerating());
    panel->cancel();  // the Cancel button and Esc (test_encdec_views) end here
    QVERIFY(!panel->timeline()->isGenerating());
    QTest::qWait(500);  // a cancelled job delivers nothing
    QCOMPARE(panel->timeline()->stepCount(), 0);
}

void TestGenerationPanel::optionsAreRemembered() {
    {
        auto window = openWindow(m_gpt2, QStringLiteral("5"));
        QVERIFY(window);
        ui::GenerationPanel* panel = window->findChild<ui::ViewTabs*>()->generationPanel();
        core::GenerateOptions o;
        o.maxNewTokens = 33;
        o.temperature = 1.25;
        o.topK = 7;
        o.seed = 99;
        panel->setOptions(o);
    }
    auto again = openWindow(m_gpt2, QStringLiteral("5"));
    QVERIFY(again);
    const core::GenerateOptions o = again->findChild<ui::ViewTabs*>()->generationPanel()->options();
    QCOMPARE(o.maxNewTokens, 33);
    QCOMPARE(o.temperature, 1.25);
    QCOMPARE(o.topK, 7);
    QCOMPARE(o.seed, std::uint64_t(99));
    QCOMPARE(again->session()->generateOptions().maxNewTokens, 33);  // encoder-decoder runs use them too
    QSettings(QStringLiteral("attnviz"), QStringLiteral("attnviz")).clear();
}

void TestGenerationPanel::encoderDecoderTimelineAndAlignment() {
    ATTNVIZ_REQUIRE_DIR(golden, test::goldenDir, "../shared/golden");
    const auto t5 = golden / "encdec" / "fixtures" / "t5";
    if (!std::filesystem::exists(t5 / "config.json")) QSKIP("the t5 golden fixture is absent");
    QSettings(QStringLiteral("attnviz"), QStringLiteral("attnviz")).clear();
    auto window = std::make_unique<ui::MainWindow>();
    window->inputPanel()->textEdit()->setPlainText(QStringLiteral("translate English to German: The house is small."));
    window->openModelFolder(QString::fromStdString(t5.string()));
    QTRY_VERIFY_WITH_TIMEOUT(window->session()->seq2seqViews() && !window->session()->isComputing(), 30000);
    auto* tabs = window->findChild<ui::ViewTabs*>();
    QVERIFY(tabs->isTabVisible(5));  // Alignment
    const auto& run = *window->session()->seq2seqViews()->run;
    QVERIFY(run.generation);  // no target: generated
    QCOMPARE(tabs->alignmentView()->weights().rows(), static_cast<int>(run.decoderTokens.size()));
    QCOMPARE(tabs->alignmentView()->weights().cols(), static_cast<int>(run.sourceTokens.size()));
    ui::GenerationTimeline* timeline = tabs->generationPanel()->timeline();
    QCOMPARE(timeline->stepCount(), static_cast<int>(run.generation->steps.size()));
    QVERIFY(timeline->stepCount() > 1);
    for (int s = 0; s < timeline->stepCount(); ++s) {
        QCOMPARE(timeline->generation().steps[static_cast<std::size_t>(s)].id, run.generation->steps[static_cast<std::size_t>(s)].id);
    }
    // The alignment follows the head chosen above.
    window->viewState()->setHead({1, 2});
    QCOMPARE(tabs->alignmentView()->choice(),
             (ui::AlignmentChoice{ui::AlignmentChoice::Kind::Head, 1, 2}));
    window->viewState()->setHead({0, -1});
    QCOMPARE(tabs->alignmentView()->choice().kind, ui::AlignmentChoice::Kind::LayerMean);
    // A step: the views switch to the decoder and its query's row lights up.
    window->session()->setAttentionKind(ui::AttentionKind::Encoder);
    QCOMPARE(timeline->step(), 0);
    timeline->setStep(1);
    QCOMPARE(window->session()->attentionKind(), ui::AttentionKind::Decoder);
    QCOMPARE(window->viewState()->highlightToken(), 1);
    // Cancel stops a generation the session runs (no target), at any step.
    core::GenerateOptions longer;
    longer.maxNewTokens = 500;
    tabs->generationPanel()->setOptions(longer);  // starts the run again
    QTRY_VERIFY_WITH_TIMEOUT(window->session()->isComputing(), 5000);
    QVERIFY(timeline->isGenerating());
    tabs->generationPanel()->cancel();
    QTRY_VERIFY_WITH_TIMEOUT(!window->session()->isComputing(), 5000);
    QVERIFY(!timeline->isGenerating());
    QCOMPARE(timeline->stepCount(), static_cast<int>(run.generation->steps.size()));  // the last result stays
    // A decoder-only model has no alignment tab.
    auto causal = openWindow(m_gpt2, QStringLiteral("5 6"));
    QVERIFY(causal);
    QVERIFY(!causal->findChild<ui::ViewTabs*>()->isTabVisible(5));
}

QTEST_MAIN(TestGenerationPanel)
#include "test_generation_panel.moc"
