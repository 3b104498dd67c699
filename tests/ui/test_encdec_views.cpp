// The alignment view and the generation timeline on real encoder-decoder
// results: the golden T5 fixture (random weights, real tokenizer; skipped
// when ../shared is absent) and a tiny-t5 written here. The lines' weights
// are the run's cross-attention (one head, a layer's mean, every head's
// mean), the threshold hides weaker links, the timeline shows each step's
// rows and candidates as core::Seq2SeqModel::generate recorded them and
// names the query row of the step; a decoder-only timeline is built from the
// rows of a real causal run. renderPictures writes PNGs of both widgets
// into <build>/tests/ui/encdec-views/ for a look.
#include "support/test_paths.h"
#include "support/verify_result.h"
#include "ui_fixture.h"

#include "attnviz/core/random_model.h"
#include "attnviz/core/seq2seq_model.h"
#include "attnviz/core/seq2seq_session.h"
#include "attnviz/ui/export/painted_figure.h"
#include "attnviz/ui/views/alignment_view.h"
#include "attnviz/ui/views/generation_timeline.h"

#include <QDir>
#include <QImageReader>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace attnviz;

namespace {

const char* kSource = "translate English to German: The house is wonderful and the garden is small.";
const char* kTarget = "Das Haus ist wunderbar und der Garten ist klein.";

std::optional<std::filesystem::path> t5Fixture() {
    auto golden = test::goldenDir();
    if (!golden) return std::nullopt;
    const auto dir = *golden / "encdec" / "fixtures" / "t5";
    if (!std::filesystem::exists(dir / "config.json")) return std::nullopt;
    return dir;
}

QStringList labelsOf(const std::vector<core::Token>& tokens) {
    QStringList out;
    for (const auto& t : tokens) out << QString::fromStdString(t.display);
    return out;
}

// The mean of the listed (layer, head) probabilities at (t, s), in double.
double meanOf(const core::AttentionBlock& b, const std::vector<std::pair<int, int>>& heads, int t, int s) {
    double sum = 0;
    for (auto [l, h] : heads) sum += b.prob(l, h, t, s);
    return sum / static_cast<double>(heads.size());
}

}  // namespace

class TestEncdecViews : public QObject {
    Q_OBJECT

private:
    std::shared_ptr<core::Seq2SeqSession> m_session;
    std::shared_ptr<const core::Seq2SeqRunResult> m_run;        // teacher-forced on kTarget
    std::shared_ptr<const core::Seq2SeqRunResult> m_generated;  // greedy generation

    void checkTimeline(const core::Seq2SeqGeneration& generation, const QStringList& sourceLabels,
                       const ui::TokenTextFn& text);

private slots:
    void initTestCase();
    void alignmentWeightsAreTheCrossAttention();
    void thresholdHidesWeakLinks();
    void hoverListsTheTokensLinks();
    void alignmentExports();
    void alignmentOnTinyT5();
    void timelineShowsEachStep();
    void timelineKeysTokensAndCancel();
    void timelineOfACausalModel();
    void timelineOfManyHeads();
    void renderPictures();
};

void TestEncdecViews::initTestCase() {
    const auto dir = t5Fixture();
    if (!dir) return;  // the tests that need it skip
    auto session = core::Seq2SeqSession::open(*dir);
    QVERIFY2(session.ok(), ATTNVIZ_RESULT_MESSAGE(session));
    m_session = *session;
    ATTNVIZ_UNWRAP(source, m_session->sourceTokens(kSource));
    ATTNVIZ_UNWRAP(decoder, m_session->decoderTokens(kTarget));
    ATTNVIZ_UNWRAP_TO(m_run, m_session->run(source, decoder, {}));
    core::GenerateOptions options;
    options.maxNewTokens = 12;
    ATTNVIZ_UNWRAP_TO(m_generated, m_session->generate(source, options, {}));
    QVERIFY(m_generated->generation);
    QVERIFY(!m_generated->generation->steps.empty());
}

#define REQUIRE_FIXTURE() \
    if (!m_session) QSKIP("../shared/golden/encdec/fixtures/t5 not found: set ATTNVIZ_GOLDEN_DIR or provide ../shared")

void TestEncdecViews::alignmentWeightsAreTheCrossAttention() {
    REQUIRE_FIXTURE();
    ui::AlignmentView view;
    view.setRun(*m_run);
    const core::AttentionBlock& cross = m_run->trace.cross;  // (Ld, Hd, T, S)
    QCOMPARE(view.data().sourceLabels, labelsOf(m_run->sourceTokens));
    QCOMPARE(view.data().targetLabels, labelsOf(m_run->decoderTokens));
    const int T = cross.rows(), S = cross.cols();
    QCOMPARE(T, static_cast<int>(m_run->decoderTokens.size()));
    QCOMPARE(S, static_cast<int>(m_run->sourceTokens.size()));

    // One head: the head's probabilities themselves.
    view.setChoice({ui::AlignmentChoice::Kind::Head, 1, 2});
    QCOMPARE(view.weights().rows(), T);
    QCOMPARE(view.weights().cols(), S);
    for (int t = 0; t < T; ++t)
        for (int s = 0; s < S; ++s) QCOMPARE(view.weights().at(t, s), cross.prob(1, 2, t, s));
    view.setThreshold(0.0f);
    auto links = view.visibleLinks();
    QCOMPARE(static_cast<int>(links.size()), T * S);
    for (const auto& k : links) QCOMPARE(k.weight, cross.prob(1, 2, k.target, k.source));

    // A layer's mean and the mean of every head.
    std::vector<std::pair<int, int>> layer0, all;
    for (int l = 0; l < cross.nLayers(); ++l)
        for (int h = 0; h < cross.nHeads(); ++h) {
            all.push_back({l, h});
            if (l == 0) layer0.push_back({l, h});
        }
    view.setChoice({ui::AlignmentChoice::Kind::LayerMean, 0, 0});
    for (int t = 0; t < T; ++t)
        for (int s = 0; s < S; ++s) QVERIFY(std::abs(view.weights().at(t, s) - meanOf(cross, layer0, t, s)) < 1e-6);
    view.setChoice({ui::AlignmentChoice::Kind::AllMean, 0, 0});
    for (int t = 0; t < T; ++t) {
        double rowSum = 0;
        for (int s = 0; s < S; ++s) {
            QVERIFY(std::abs(view.weights().at(t, s) - meanOf(cross, all, t, s)) < 1e-6);
            rowSum += view.weights().at(t, s);
        }
        QVERIFY(std::abs(rowSum - 1.0) < 1e-4);  // a mean of distributions is one
    }

    // Out-of-range choices are clamped to the block.
    view.setChoice({ui::AlignmentChoice::Kind::Head, 99, -3});
    QCOMPARE(view.choice().layer, cross.nLayers() - 1);
    QCOMPARE(view.choice().head, 0);
}

void TestEncdecViews::thresholdHidesWeakLinks() {
    REQUIRE_FIXTURE();
    ui::AlignmentView view;
    view.setRun(*m_run);
    view.setChoice({ui::AlignmentChoice::Kind::Head, 0, 1});
    const core::AttentionBlock& cross = m_run->trace.cross;
    for (float threshold : {0.0f, 0.05f, 0.1f, 0.3f}) {
        view.setThreshold(threshold);
        int expected = 0;
        for (int t = 0; t < cross.rows(); ++t)
            for (int s = 0; s < cross.cols(); ++s) expected += cross.prob(0, 1, t, s) >= threshold ? 1 : 0;
        const auto links = view.visibleLinks();
        QCOMPARE(static_cast<int>(links.size()), expected);
        for (const auto& k : links) QVERIFY(k.weight >= threshold);
    }
    // The slider sets it too (200 steps over 0..1).
    auto* slider = view.findChild<QSlider*>();
    QVERIFY(slider);
    QSignalSpy spy(&view, &ui::AlignmentView::thresholdChanged);
    slider->setValue(40);
    QCOMPARE(view.threshold(), 0.2f);
    QCOMPARE(spy.count(), 1);
    for (const auto& k : view.visibleLinks()) QVERIFY(k.weight >= 0.2f);
}

void TestEncdecViews::hoverListsTheTokensLinks() {
    REQUIRE_FIXTURE();
    ui::AlignmentView view;
    view.setRun(*m_run);
    view.setChoice({ui::AlignmentChoice::Kind::Head, 1, 0});
    const core::AttentionBlock& cross = m_run->trace.cross;
    // Target 2's strongest source token and its weight are named.
    int best = 0;
    for (int s = 1; s < cross.cols(); ++s)
        if (cross.prob(1, 0, 2, s) > cross.prob(1, 0, 2, best)) best = s;
    const QString text = view.hoverToken(ui::AlignmentView::Side::Target, 2);
    const QString expected = QStringLiteral("%1 '%2' %3")
                                 .arg(best)
                                 .arg(view.data().sourceLabels[best])
                                 .arg(QString::number(cross.prob(1, 0, 2, best), 'f', 3));
    QVERIFY2(text.contains(expected), qPrintable(text + " lacks " + expected));
    QVERIFY(text.startsWith(QStringLiteral("Target 2 '%1'").arg(view.data().targetLabels[2])));
    QVERIFY(view.hoverToken(ui::AlignmentView::Side::Source, 0).startsWith(QStringLiteral("Source 0")));
    QVERIFY(view.hoverToken(ui::AlignmentView::Side::Source, 1000).isEmpty());
}

void TestEncdecViews::alignmentExports() {
    REQUIRE_FIXTURE();
    ui::AlignmentView view;
    QVERIFY(!view.exportProblem().isEmpty());  // nothing to draw yet
    view.setRun(*m_run);
    QVERIFY(view.exportProblem().isEmpty());
    QTemporaryDir tmp;
    const QSize size = view.figureSize();
    QVERIFY(size.width() >= 720 && size.height() >= 300);
    ATTNVIZ_VERIFY_OK(ui::exportPaintedFigure(view, tmp.filePath("a.png"), ui::ExportFormat::Png));
    QImageReader png(tmp.filePath("a.png"));
    QCOMPARE(png.size(), size * 2);  // the default scale
    QCOMPARE(png.text(QStringLiteral("Title")), view.figureTitle());
    ATTNVIZ_VERIFY_OK(ui::exportPaintedFigure(view, tmp.filePath("a.svg"), ui::ExportFormat::Svg));
    QFile svg(tmp.filePath("a.svg"));
    QVERIFY(svg.open(QIODevice::ReadOnly));
    const QByteArray svgText = svg.readAll();
    QVERIFY(svgText.contains("<svg"));
    QVERIFY(svgText.contains("<title>Cross-attention alignment</title>"));
    ATTNVIZ_VERIFY_OK(ui::exportPaintedFigure(view, tmp.filePath("a.pdf"), ui::ExportFormat::Pdf));
    QFile pdf(tmp.filePath("a.pdf"));
    QVERIFY(pdf.open(QIODevice::ReadOnly));
    QVERIFY(pdf.read(5) == "%PDF-");
    auto csv = ui::exportPaintedFigure(view, tmp.filePath("a.csv"), ui::ExportFormat::Csv);
    QVERIFY(!csv.ok());
    QVERIFY(!QFile::exists(tmp.filePath("a.csv")));
    auto tiny = ui::exportPaintedFigure(view, tmp.filePath("b.png"), ui::ExportFormat::Png, {QSize(4, 4), 1.0});
    QVERIFY(!tiny.ok());
}

// No ../shared needed: a tiny-t5 written here, ids without a tokenizer.
void TestEncdecViews::alignmentOnTinyT5() {
    QTemporaryDir tmp;
    const std::filesystem::path dir = tmp.filePath("tiny-t5").toStdString();
    ATTNVIZ_UNWRAP(config, core::randomModelConfig("tiny-t5"));
    core::RandomModelOptions options;
    options.seed = 3;
    options.weightStd = 0.2f;
    options.qkScale = 4.0f;
    ATTNVIZ_VERIFY_OK(core::writeRandomModel(config, dir, options));
    ATTNVIZ_UNWRAP(model, core::loadSeq2SeqModel(dir));
    const std::vector<std::int32_t> source = {5, 17, 23, 42, 9, 1};
    const std::vector<std::int32_t> labels = {7, 33, 12, 1};
    const auto decoder = model->teacherForcedInput(labels);
    ATTNVIZ_UNWRAP(trace, model->run(source, decoder, {}));
    ui::AlignmentData data;
    for (auto id : source) data.sourceLabels << QStringLiteral("#%1").arg(id);
    for (auto id : decoder) data.targetLabels << QStringLiteral("#%1").arg(id);
    data.cross = std::make_shared<const core::AttentionBlock>(trace.cross);
    ui::AlignmentView view;
    view.setData(data);
    view.setChoice({ui::AlignmentChoice::Kind::Head, 1, 3});
    for (int t = 0; t < trace.cross.rows(); ++t)
        for (int s = 0; s < trace.cross.cols(); ++s) QCOMPARE(view.weights().at(t, s), trace.cross.prob(1, 3, t, s));
    // Token rows that do not match the block: nothing drawn, and said so.
    data.targetLabels.removeLast();
    view.setData(data);
    QVERIFY(view.weights().empty());
    QVERIFY(!view.exportProblem().isEmpty());

    // The timeline of a generation of this model.
    core::GenerateOptions g;
    g.maxNewTokens = 5;
    ATTNVIZ_UNWRAP(gen, model->generate(source, g));
    QStringList sourceLabels;
    for (auto id : source) sourceLabels << QStringLiteral("#%1").arg(id);
    checkTimeline(gen, sourceLabels, [](std::int32_t id) { return QStringLiteral("#%1").arg(id); });
}

void TestEncdecViews::checkTimeline(const core::Seq2SeqGeneration& generation, const QStringList& sourceLabels,
                                    const ui::TokenTextFn& text) {
    ui::GenerationTimeline timeline;
    QSignalSpy chosen(&timeline, &ui::GenerationTimeline::stepChosen);
    timeline.setGeneration(ui::timelineFromSeq2Seq(generation, sourceLabels, text));
    const int steps = static_cast<int>(generation.steps.size());
    QCOMPARE(timeline.stepCount(), steps);
    QCOMPARE(timeline.stepSlider()->minimum(), 0);
    QCOMPARE(timeline.stepSlider()->maximum() + 1, steps);
    QCOMPARE(chosen.count(), 1);  // step 0 on arrival
    QCOMPARE(chosen.takeFirst(), (QList<QVariant>{0, 0}));
    // Start token, then one per step.
    QCOMPARE(timeline.tokenList()->count(), steps + 1);
    for (int s = steps - 1; s >= 0; --s) {
        timeline.stepSlider()->setValue(s);
        QCOMPARE(timeline.step(), s);
        if (steps > 1) {  // every move emits once (from step 0 to the last, then down)
            QCOMPARE(chosen.count(), 1);
            QCOMPARE(chosen.takeFirst(), (QList<QVariant>{s, s}));  // decoder position s
        }
        const core::GenerationStep& step = generation.steps[s];
        const int L = step.self.nLayers(), H = step.self.nHeads();
        const ui::Matrix& self = timeline.shownSelfRows();  // (L * H, s + 1)
        QCOMPARE(self.rows(), L * H);
        QCOMPARE(self.cols(), s + 1);
        for (int l = 0; l < L; ++l)
            for (int h = 0; h < H; ++h)
                for (int c = 0; c <= s; ++c) QCOMPARE(self.at(l * H + h, c), step.self.prob(l, h, 0, c));
        const ui::Matrix& cross = timeline.shownCrossRows();  // (L * H, S)
        QCOMPARE(cross.cols(), step.cross.cols());
        QCOMPARE(cross.cols(), static_cast<int>(sourceLabels.size()));
        for (int l = 0; l < L; ++l)
            for (int h = 0; h < H; ++h)
                for (int c = 0; c < cross.cols(); ++c) QCOMPARE(cross.at(l * H + h, c), step.cross.prob(l, h, 0, c));
        const QTableWidget* table = timeline.candidateTable();
        QCOMPARE(table->rowCount(), static_cast<int>(step.top.size()));
        for (int r = 0; r < table->rowCount(); ++r) {
            QCOMPARE(table->item(r, 0)->text(), text(step.top[r].id));
            QCOMPARE(table->item(r, 0)->data(Qt::UserRole).toInt(), step.top[r].id);
            QCOMPARE(table->item(r, 1)->data(Qt::UserRole).toDouble(), static_cast<double>(step.top[r].probability));
        }
        // Greedy: the emitted token is the first candidate.
        QCOMPARE(step.top.front().id, step.id);
    }
}

void TestEncdecViews::timelineShowsEachStep() {
    REQUIRE_FIXTURE();
    checkTimeline(*m_generated->generation, labelsOf(m_generated->sourceTokens),
                  [this](std::int32_t id) { return QString::fromStdString(m_session->targetText(id)); });
}

void TestEncdecViews::timelineKeysTokensAndCancel() {
    REQUIRE_FIXTURE();
    const auto& generation = *m_generated->generation;
    QVERIFY(generation.steps.size() >= 3);
    ui::GenerationTimeline timeline;
    timeline.setGeneration(ui::timelineFromSeq2Seq(generation, labelsOf(m_generated->sourceTokens), [this](std::int32_t id) {
        return QString::fromStdString(m_session->targetText(id));
    }));
    QSignalSpy chosen(&timeline, &ui::GenerationTimeline::stepChosen);
    QTest::keyClick(&timeline, Qt::Key_Right);
    QCOMPARE(timeline.step(), 1);
    QTest::keyClick(&timeline, Qt::Key_Right);
    QCOMPARE(timeline.step(), 2);
    QTest::keyClick(&timeline, Qt::Key_Left);
    QCOMPARE(timeline.step(), 1);
    QTest::keyClick(&timeline, Qt::Key_Left);
    QTest::keyClick(&timeline, Qt::Key_Left);  // stays at the first step
    QCOMPARE(timeline.step(), 0);
    QCOMPARE(chosen.count(), 4);
    QCOMPARE(timeline.stepSlider()->value(), 0);
    // Clicking generated token k (list row k + 1 after the start token) chooses step k.
    timeline.tokenList()->setCurrentRow(3);
    QCOMPARE(timeline.step(), 2);
    QCOMPARE(chosen.last(), (QList<QVariant>{2, 2}));
    QCOMPARE(timeline.stepSlider()->value(), 2);
    timeline.tokenList()->setCurrentRow(0);  // the start token: no step
    QCOMPARE(timeline.step(), 2);

    // Generating: progress and a Cancel button that asks the caller.
    QSignalSpy cancel(&timeline, &ui::GenerationTimeline::cancelRequested);
    timeline.setGenerating(true, 3, 12);
    QVERIFY(timeline.isGenerating());
    QPushButton* button = nullptr;
    for (auto* b : timeline.findChildren<QPushButton*>())
        if (b->text() == QStringLiteral("Cancel")) button = b;
    QVERIFY(button);
    QVERIFY(button->isEnabled());
    QTest::mouseClick(button, Qt::LeftButton);
    QCOMPARE(cancel.count(), 1);
    // Esc in the window cancels too, but only while generating.
    timeline.show();
    QVERIFY(QTest::qWaitForWindowActive(&timeline));
    QTest::keyClick(timeline.windowHandle(), Qt::Key_Escape);
    QTRY_COMPARE(cancel.count(), 2);  // a button's shortcut clicks it after a short animation
    timeline.setGenerating(false);
    QVERIFY(!timeline.isGenerating());
    QTest::keyClick(timeline.windowHandle(), Qt::Key_Escape);
    QTest::qWait(300);
    QCOMPARE(cancel.count(), 2);

    // Export: the timeline as on screen under a title naming the step.
    QVERIFY(timeline.exportProblem().isEmpty());
    QVERIFY(timeline.figureTitle().startsWith(QStringLiteral("Generation step 3 / ")));
    QTemporaryDir tmp;
    ATTNVIZ_VERIFY_OK(ui::exportPaintedFigure(timeline, tmp.filePath("t.png"), ui::ExportFormat::Png));
    QImageReader png(tmp.filePath("t.png"));
    QCOMPARE(png.size(), timeline.figureSize() * 2);
    QCOMPARE(png.text(QStringLiteral("Title")), timeline.figureTitle());
    const QImage image = png.read();
    QVERIFY(image.pixel(5, 5) != image.pixel(image.width() / 2, image.height() / 2) ||
            image.pixel(5, 5) != image.pixel(image.width() / 4, image.height() - 40));
    ATTNVIZ_VERIFY_OK(ui::exportPaintedFigure(timeline, tmp.filePath("t.svg"), ui::ExportFormat::Svg));
    QFile svg(tmp.filePath("t.svg"));
    QVERIFY(svg.open(QIODevice::ReadOnly));
    QVERIFY(svg.readAll().contains("<svg"));

    timeline.clear();
    QCOMPARE(timeline.stepCount(), 0);
    QVERIFY(!timeline.exportProblem().isEmpty());
    QVERIFY(!ui::exportPaintedFigure(timeline, tmp.filePath("empty.png"), ui::ExportFormat::Png).ok());
    QVERIFY(!timeline.stepSlider()->isEnabled());
}

// A decoder-only generation built from the rows of a real causal run: step s
// is the query at position P - 1 + s, its row over positions 0..P-1+s.
void TestEncdecViews::timelineOfACausalModel() {
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(model, test::loadFixture(tmp, "tiny-gpt2"));
    const std::vector<int> ids = {3, 14, 15, 9, 26, 5, 35};
    ATTNVIZ_UNWRAP(result, test::runIds(model, ids));
    const core::AttentionTrace& trace = *result->trace;  // (L, H, n, n)
    const int P = 3;
    core::CausalGeneration gen;
    gen.ids.assign(ids.begin(), ids.end());
    gen.promptLength = P;
    for (int s = 0; P + s < static_cast<int>(ids.size()); ++s) {
        core::CausalGenerationStep step;
        step.id = ids[P + s];
        // Display-only candidates: the widget must list exactly these.
        step.top = {{step.id, 0.5f, 3.0f}, {step.id + 1, 0.25f, 2.3f}, {step.id + 2, 0.125f, 1.6f}};
        step.self = core::AttentionBlock(trace.nLayers(), trace.nHeads(), 1, P + s);  // (L, H, 1, P + s)
        for (int l = 0; l < trace.nLayers(); ++l)
            for (int h = 0; h < trace.nHeads(); ++h)
                for (int c = 0; c < P + s; ++c) step.self.probs(l, h)[c] = trace.prob(l, h, P - 1 + s, c);
        gen.steps.push_back(std::move(step));
    }
    ui::GenerationTimeline timeline;
    QSignalSpy chosen(&timeline, &ui::GenerationTimeline::stepChosen);
    timeline.setGeneration(ui::timelineFromCausal(gen, [](std::int32_t id) { return QStringLiteral("t%1").arg(id); }));
    QCOMPARE(timeline.stepCount(), static_cast<int>(gen.steps.size()));
    QCOMPARE(timeline.stepSlider()->maximum() + 1, timeline.stepCount());
    QCOMPARE(timeline.tokenList()->count(), static_cast<int>(ids.size()));
    QVERIFY(timeline.shownCrossRows().empty());
    QCOMPARE(chosen.takeFirst(), (QList<QVariant>{0, P - 1}));
    timeline.setStep(2);
    QCOMPARE(chosen.takeFirst(), (QList<QVariant>{2, P + 1}));
    const ui::Matrix& rows = timeline.shownSelfRows();  // (L * H, P + 2)
    QCOMPARE(rows.cols(), P + 2);
    for (int l = 0; l < trace.nLayers(); ++l)
        for (int h = 0; h < trace.nHeads(); ++h)
            for (int c = 0; c < P + 2; ++c) QCOMPARE(rows.at(l * trace.nHeads() + h, c), trace.prob(l, h, P + 1, c));
    QCOMPARE(timeline.candidateTable()->rowCount(), 3);
    QCOMPARE(timeline.candidateTable()->item(1, 1)->data(Qt::UserRole).toDouble(), 0.25);
    // Prompt tokens are not steps.
    timeline.tokenList()->setCurrentRow(1);
    QCOMPARE(timeline.step(), 2);
    timeline.tokenList()->setCurrentRow(P);
    QCOMPARE(timeline.step(), 0);
}

// A t5-base-like layout (12 layers x 12 heads, tiny widths): 144 rows per
// step, each the step's row; a PNG of it for a look.
void TestEncdecViews::timelineOfManyHeads() {
    QTemporaryDir tmp;
    const std::filesystem::path dir = tmp.filePath("t5-12x12").toStdString();
    const std::string config =
        R"({"model_type":"t5","d_model":48,"d_kv":4,"d_ff":64,"num_layers":12,"num_decoder_layers":12,"num_heads":12,)"
        R"("relative_attention_num_buckets":8,"relative_attention_max_distance":16,"feed_forward_proj":"relu",)"
        R"("vocab_size":60,"pad_token_id":0,"eos_token_id":1,"decoder_start_token_id":0,"tie_word_embeddings":true})";
    core::RandomModelOptions options;
    options.seed = 11;
    options.weightStd = 0.2f;
    options.qkScale = 3.0f;
    ATTNVIZ_VERIFY_OK(core::writeRandomModel(config, dir, options));
    ATTNVIZ_UNWRAP(model, core::loadSeq2SeqModel(dir));
    std::vector<std::int32_t> source;
    for (int i = 0; i < 30; ++i) source.push_back(2 + (i * 7) % 57);
    core::GenerateOptions g;
    g.maxNewTokens = 16;
    g.temperature = 1.0;  // sampled (seeded), so that EOS does not end it at once
    g.seed = 5;
    g.progress = [](int, int) { return true; };
    ATTNVIZ_UNWRAP(gen, model->generate(source, g));
    QStringList sourceLabels;
    for (auto id : source) sourceLabels << QStringLiteral("#%1").arg(id);
    ui::GenerationTimeline timeline;
    timeline.setGeneration(ui::timelineFromSeq2Seq(gen, sourceLabels, [](std::int32_t id) { return QStringLiteral("#%1").arg(id); }));
    const int last = timeline.stepCount() - 1;
    QVERIFY(last >= 0);
    timeline.setStep(last);
    const auto& step = gen.steps[static_cast<std::size_t>(last)];
    QCOMPARE(timeline.shownSelfRows().rows(), 144);
    QCOMPARE(timeline.shownSelfRows().cols(), last + 1);
    QCOMPARE(timeline.shownSelfRows().at(11 * 12 + 7, last), step.self.prob(11, 7, 0, last));
    QCOMPARE(timeline.shownCrossRows().at(5 * 12 + 3, 29), step.cross.prob(5, 3, 0, 29));
    const QString out = QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("encdec-views"));
    QVERIFY(QDir().mkpath(out));
    timeline.resize(1280, 400);
    timeline.show();
    QVERIFY(timeline.grab().save(out + "/timeline-12x12.png"));
}

// PNGs for a look (not compared): both widgets at 1280x400, and the
// alignment figure of a ~40-token source and target.
void TestEncdecViews::renderPictures() {
    REQUIRE_FIXTURE();
    const QString out = QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("encdec-views"));
    QVERIFY(QDir().mkpath(out));
    ui::AlignmentView view;
    view.setRun(*m_run);
    view.resize(1280, 400);
    view.show();
    QVERIFY(view.grab().save(out + "/alignment-widget.png"));
    view.setChoice({ui::AlignmentChoice::Kind::Head, 1, 2});
    QVERIFY(!view.hoverToken(ui::AlignmentView::Side::Target, 7).isEmpty());
    QVERIFY(view.grab().save(out + "/alignment-hover.png"));
    view.hoverToken(ui::AlignmentView::Side::Target, -1);
    view.setThreshold(0.1f);
    ATTNVIZ_VERIFY_OK(ui::exportPaintedFigure(view, out + "/alignment-head.png", ui::ExportFormat::Png, {{}, 1.0}));
    ATTNVIZ_VERIFY_OK(ui::exportPaintedFigure(view, out + "/alignment.png", ui::ExportFormat::Png, {{}, 1.0}));

    ui::GenerationTimeline timeline;
    timeline.setGeneration(ui::timelineFromSeq2Seq(*m_generated->generation, labelsOf(m_generated->sourceTokens),
                                                   [this](std::int32_t id) {
                                                       return QString::fromStdString(m_session->targetText(id));
                                                   }));
    timeline.setStep(std::min(3, timeline.stepCount() - 1));
    timeline.resize(1280, 400);
    timeline.show();
    QVERIFY(timeline.grab().save(out + "/timeline.png"));

    // Long input: ~40 tokens each side.
    ATTNVIZ_UNWRAP(source, m_session->sourceTokens(
                               "translate English to German: The old house at the end of the street has a small garden "
                               "with apple trees, and every summer the children of the village come to pick the fruit."));
    ATTNVIZ_UNWRAP(decoder, m_session->decoderTokens(
                                "Das alte Haus am Ende der Straße hat einen kleinen Garten mit Apfelbäumen, und jeden "
                                "Sommer kommen die Kinder des Dorfes, um das Obst zu pflücken."));
    ATTNVIZ_UNWRAP(longRun, m_session->run(source, decoder, {}));
    qInfo("long alignment: %zu source x %zu target tokens", source.size(), decoder.size());
    ui::AlignmentView longView;
    longView.setRun(*longRun);
    longView.setThreshold(0.1f);
    ATTNVIZ_VERIFY_OK(ui::exportPaintedFigure(longView, out + "/alignment-long.png", ui::ExportFormat::Png, {{}, 1.0}));
    longView.resize(1280, 400);
    longView.show();
    QVERIFY(longView.grab().save(out + "/alignment-long-widget.png"));
}

QTEST_MAIN(TestEncdecViews)
#include "test_encdec_views.moc"
