// The Aggregates view draws the core's numbers: every colour-map cell of
// rollout, value-weighted norms (raw and row-normalised) and the means and
// maxima over heads and layers equals what the core functions return, and
// the formula of the aggregate is in the tooltip, the figure (title block of
// PNG/SVG), the CSV and the JSON export.
#include "ui_fixture.h"
#include "support/verify_result.h"

#include "attnviz/core/aggregates.h"
#include "attnviz/core/attention_flow.h"
#include "attnviz/core/rollout.h"
#include "attnviz/core/value_weighted.h"
#include "attnviz/ui/export/exporters.h"
#include "attnviz/ui/views/analysis_view.h"
#include "attnviz/ui/views/head_grid_view.h"
#include "attnviz/ui/views/head_view.h"
#include "panels/analysis_page.h"

#include <QComboBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QtTest>
#include <qcustomplot.h>

#include <cmath>

using namespace attnviz;

Q_DECLARE_METATYPE(ui::AnalysisKind)

namespace {

core::RowMatrix expectedMatrix(const core::AttentionTrace& trace, ui::AnalysisKind kind, int layer, int head) {
    switch (kind) {
    case ui::AnalysisKind::MeanOverHeads: return core::meanOverHeads(trace, layer);
    case ui::AnalysisKind::MaxOverHeads: return core::maxOverHeads(trace, layer);
    case ui::AnalysisKind::MeanOverLayers: return core::meanOverLayers(trace);
    case ui::AnalysisKind::Rollout: return core::attentionRollout(trace, layer);
    case ui::AnalysisKind::Flow: return *core::attentionFlow(trace, layer);
    case ui::AnalysisKind::ValueNorms: return *core::valueWeightedNorms(trace, layer, head);
    case ui::AnalysisKind::ValueNormsNormalized: return *core::valueWeightedNormsNormalized(trace, layer, head);
    }
    return {};
}

QString readAll(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QString::fromUtf8(f.readAll());
}

// The text of an SVG, its <text> elements joined by single spaces (so a
// formula wrapped over several lines reads as one string again).
QString svgText(const QString& path) {
    static const QRegularExpression element(QStringLiteral("<text[^>]*>(.*?)</text>"),
                                            QRegularExpression::DotMatchesEverythingOption);
    QStringList parts;
    for (auto it = element.globalMatch(readAll(path)); it.hasNext();) parts << it.next().captured(1);
    QString text = parts.join(QLatin1Char(' ')).simplified();
    text.replace(QStringLiteral("&lt;"), QStringLiteral("<"));
    text.replace(QStringLiteral("&gt;"), QStringLiteral(">"));
    text.replace(QStringLiteral("&quot;"), QStringLiteral("\""));
    text.replace(QStringLiteral("&apos;"), QStringLiteral("'"));
    text.replace(QStringLiteral("&amp;"), QStringLiteral("&"));
    return text;
}

}  // namespace

class TestAnalysisViews : public QObject {
    Q_OBJECT

private slots:
    void cellsEqualCore_data();
    void cellsEqualCore();
    void hiddenSpecialTokens();
    void valueNormsNeedOneHead();
    void formulaInTooltipAndFigure();
    void formulaInExports();
    void layerMeansCarryTheirFormula();
    void pageControls();
    void flowFollowsTheLatestRun();

private:
    QTemporaryDir m_tmp;
    QTemporaryDir m_out;
};

void TestAnalysisViews::cellsEqualCore_data() {
    QTest::addColumn<QString>("preset");
    QTest::addColumn<ui::AnalysisKind>("kind");
    QTest::addColumn<int>("layer");
    QTest::addColumn<int>("head");
    for (const char* preset : {"tiny-gpt2", "tiny-bert", "tiny-llama"}) {
        for (ui::AnalysisKind kind : ui::kAllAnalysisKinds) {
            for (auto [l, h] : {std::pair{0, 1}, std::pair{1, 0}}) {
                const QString name = QStringLiteral("%1 %2 L%3 H%4").arg(QLatin1String(preset), ui::analysisKindName(kind)).arg(l).arg(h);
                QTest::newRow(qPrintable(name)) << QString::fromLatin1(preset) << kind << l << h;
            }
        }
    }
}

void TestAnalysisViews::cellsEqualCore() {
    QFETCH(QString, preset);
    QFETCH(ui::AnalysisKind, kind);
    QFETCH(int, layer);
    QFETCH(int, head);
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, preset.toStdString()));
    const std::vector<int> ids{3, 17, 5, 42, 8, 23, 11, 30, 1};
    ATTNVIZ_UNWRAP(result, test::runIds(model, ids));
    QVERIFY(result->trace->hasValueNorms());
    ui::AnalysisView view;
    view.setKind(kind);
    view.setHead({layer, head});
    // Rollout reads its own depth: layers 0..layer.
    view.setRolloutLastLayer(layer);
    view.setResult(result);
    if (kind == ui::AnalysisKind::Flow) {
        // Computed off the GUI thread: a message first, the map when done.
        QVERIFY(view.computing() || view.message().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(!view.computing(), 20000);
    }
    QVERIFY2(view.message().isEmpty(), qPrintable(view.message()));
    QCPColorMap* map = view.colorMap();
    QVERIFY(map != nullptr);
    const int T = static_cast<int>(ids.size());
    QCOMPARE(map->data()->keySize(), T);
    QCOMPARE(map->data()->valueSize(), T);
    const core::RowMatrix expected = expectedMatrix(*result->trace, kind, layer, head);
    bool varied = false;
    for (int q = 0; q < T; ++q) {
        for (int k = 0; k < T; ++k) {
            QCOMPARE(test::cellAt(map, q, k), static_cast<double>(expected(q, k)));
            varied |= expected(q, k) != expected(0, 0);
        }
    }
    QVERIFY(varied);
    // The title names what is shown; the hover text names the cell.
    QVERIFY2(view.figureTitle().contains(model.name()), qPrintable(view.figureTitle()));
    QCOMPARE(view.cellText(3, 1), QStringLiteral("query '#42' -> key '#17': %1").arg(expected(3, 1), 0, 'f', 4));
}

void TestAnalysisViews::hiddenSpecialTokens() {
    // Row-stochastic aggregates are renormalised over the kept tokens; raw
    // norms are only cut.
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-bert"));
    auto tokens = test::idTokens({2, 9, 14, 21, 3});
    tokens.front().special = true;
    tokens.back().special = true;
    auto run = ui::runSession(model, tokens, core::MaskMode::defaultMode());
    QVERIFY(run);
    const auto result = run.value();
    ui::ViewStyle style;
    style.hideSpecial = true;
    for (ui::AnalysisKind kind : {ui::AnalysisKind::Rollout, ui::AnalysisKind::ValueNorms}) {
        ui::AnalysisView view;
        view.setViewStyle(style);
        view.setKind(kind);
        view.setHead({1, 1});
        view.setResult(result);
        const core::RowMatrix full = expectedMatrix(*result->trace, kind, 1, 1);
        QCPColorMap* map = view.colorMap();
        QVERIFY(map != nullptr);
        QCOMPARE(map->data()->keySize(), 3);
        for (int q = 0; q < 3; ++q) {
            double sum = 0;
            for (int k = 1; k <= 3; ++k) sum += full(q + 1, k);
            for (int k = 0; k < 3; ++k) {
                const double want = kind == ui::AnalysisKind::Rollout ? full(q + 1, k + 1) / sum : full(q + 1, k + 1);
                QVERIFY2(std::abs(test::cellAt(map, q, k) - want) < 1e-6, qPrintable(ui::analysisKindName(kind)));
            }
        }
        QVERIFY(view.figureSubtitle().contains(QStringLiteral("special tokens hidden")));
    }
}

void TestAnalysisViews::valueNormsNeedOneHead() {
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-gpt2"));
    ATTNVIZ_UNWRAP(result, test::runIds(model, {1, 2, 3, 4}));
    ui::AnalysisView view;
    view.setKind(ui::AnalysisKind::ValueNormsNormalized);
    view.setHead({1, -1});
    view.setResult(result);
    QVERIFY(view.colorMap() == nullptr);
    QVERIFY2(view.message().contains(QStringLiteral("pick a head")), qPrintable(view.message()));
    QVERIFY(!view.exportProblem().isEmpty());
    view.setHead({1, 1});
    QVERIFY(view.message().isEmpty());
    QVERIFY(view.colorMap() != nullptr);
}

void TestAnalysisViews::formulaInTooltipAndFigure() {
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-llama"));
    ATTNVIZ_UNWRAP(result, test::runIds(model, {4, 8, 15, 16, 23, 42}));
    for (ui::AnalysisKind kind : ui::kAllAnalysisKinds) {
        ui::AnalysisView view;
        view.setKind(kind);
        view.setResult(result);
        QTRY_VERIFY_WITH_TIMEOUT(!view.computing(), 20000);
        const QString formula = ui::analysisFormula(kind);
        QVERIFY(!formula.isEmpty());
        // Wrapped into lines: compare with the whitespace collapsed.
        QVERIFY2(view.cellToolTip(2, 1).simplified().contains(formula.simplified()), qPrintable(view.cellToolTip(2, 1)));
        QVERIFY(view.figureFormula().contains(formula));
    }
    // The formulas are the core's strings, word for word.
    QCOMPARE(ui::analysisFormula(ui::AnalysisKind::Rollout), ui::toQString(core::kRolloutFormula));
    QCOMPARE(ui::analysisFormula(ui::AnalysisKind::ValueNorms), ui::toQString(core::kValueWeightedFormula));
    QCOMPARE(ui::analysisFormula(ui::AnalysisKind::MeanOverLayers), ui::toQString(core::kMeanOverLayersFormula));
    QCOMPARE(ui::analysisFormula(ui::AnalysisKind::Flow), ui::toQString(core::kAttentionFlowFormula));
}

void TestAnalysisViews::formulaInExports() {
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-gpt2"));
    ATTNVIZ_UNWRAP(result, test::runIds(model, {5, 17, 2, 33, 8}));
    ui::AnalysisView view;
    view.setKind(ui::AnalysisKind::Rollout);
    view.setResult(result);

    // SVG: the figure's text, wrapped into lines under the subtitle.
    const QString svgPath = m_out.filePath(QStringLiteral("rollout.svg"));
    QVERIFY(ui::exportView(view, svgPath, ui::ExportFormat::Svg));
    const QString svg = svgText(svgPath);
    QVERIFY2(svg.contains(QStringLiteral("Attention rollout: ") + ui::toQString(core::kRolloutFormula).simplified()),
             qPrintable(svg));

    // CSV: the corner cell holds the formula; the numbers are the view's.
    const QString csvPath = m_out.filePath(QStringLiteral("rollout.csv"));
    QVERIFY(ui::exportView(view, csvPath, ui::ExportFormat::Csv));
    const QStringList lines = readAll(csvPath).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 6);
    QVERIFY2(lines[0].contains(ui::toQString(core::kRolloutFormula)), qPrintable(lines[0]));
    const core::RowMatrix rollout = core::attentionRollout(*result->trace);
    QCOMPARE(lines[3].split(QLatin1Char(',')).value(1).toFloat(), rollout(2, 0));

    // JSON: the analyses with their formulas (attnviz-cli analyze's format).
    const QString jsonPath = m_out.filePath(QStringLiteral("rollout.json"));
    QVERIFY(ui::exportView(view, jsonPath, ui::ExportFormat::Json));
    const QJsonObject json = QJsonDocument::fromJson(readAll(jsonPath).toUtf8()).object();
    QCOMPARE(json.value(QStringLiteral("formulas")).toObject().value(QStringLiteral("rollout")).toString(),
             ui::toQString(core::kRolloutFormula));
    const QJsonArray row2 = json.value(QStringLiteral("rollout")).toArray().at(2).toArray();
    QCOMPARE(static_cast<float>(row2.at(0).toDouble()), rollout(2, 0));
    QCOMPARE(json.value(QStringLiteral("head_stats")).toArray().size(), 4);
    QVERIFY(json.value(QStringLiteral("value_norms")).isArray());
}

void TestAnalysisViews::layerMeansCarryTheirFormula() {
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-gpt2"));
    ATTNVIZ_UNWRAP(result, test::runIds(model, {5, 17, 2, 33, 8}));
    const QString formula = ui::toQString(core::kMeanOverHeadsFormula);
    ui::HeadView head;
    head.setResult(result);
    head.setHead({1, 0});
    QVERIFY(head.figureFormula().isEmpty());  // one head: nothing aggregated
    head.setHead({1, -1});
    QVERIFY(head.figureFormula().contains(formula));
    const QString svgPath = m_out.filePath(QStringLiteral("mean.svg"));
    QVERIFY(ui::exportView(head, svgPath, ui::ExportFormat::Svg));
    QVERIFY(svgText(svgPath).contains(formula.simplified()));
    ui::HeadGridView overview;
    overview.setResult(result);
    QVERIFY(overview.figureFormula().contains(formula));
}

void TestAnalysisViews::pageControls() {
    ui::AnalysisPage page;
    QComboBox* combo = page.kindCombo();
    QCOMPARE(combo->count(), static_cast<int>(std::size(ui::kAllAnalysisKinds)));
    for (int i = 0; i < combo->count(); ++i) {
        const auto kind = static_cast<ui::AnalysisKind>(combo->itemData(i).toInt());
        QCOMPARE(combo->itemData(i, Qt::ToolTipRole).toString().simplified(), ui::analysisFormula(kind).simplified());
    }
    QSignalSpy changed(&page, &ui::AnalysisPage::kindChanged);
    page.setKind(ui::AnalysisKind::MaxOverHeads);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(page.view()->kind(), ui::AnalysisKind::MaxOverHeads);
    QCOMPARE(combo->toolTip().simplified(), ui::analysisFormula(ui::AnalysisKind::MaxOverHeads).simplified());
    page.setLayerCount(5);
    QCOMPARE(page.view()->rolloutLastLayer(), -1);
    page.setKind(ui::AnalysisKind::Rollout);
    page.rolloutSpin()->setValue(2);
    QCOMPARE(page.view()->rolloutLastLayer(), 2);
    page.rolloutSpin()->setValue(4);
    QCOMPARE(page.view()->rolloutLastLayer(), -1);
}

void TestAnalysisViews::flowFollowsTheLatestRun() {
    // A run that arrives while the flow of the previous one is computed:
    // the view shows the new run's flow, never the old one's.
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-gpt2"));
    ATTNVIZ_UNWRAP(first, test::runIds(model, {5, 17, 2, 33, 8, 9, 10, 11, 12, 13, 14, 15}));
    ATTNVIZ_UNWRAP(second, test::runIds(model, {7, 1, 4}));
    ui::AnalysisView view;
    view.setKind(ui::AnalysisKind::Flow);
    view.setResult(first);
    view.setResult(second);
    QTRY_VERIFY_WITH_TIMEOUT(!view.computing(), 20000);
    QVERIFY2(view.message().isEmpty(), qPrintable(view.message()));
    QCPColorMap* map = view.colorMap();
    QVERIFY(map != nullptr);
    QCOMPARE(map->data()->keySize(), 3);
    ATTNVIZ_UNWRAP(expected, core::attentionFlow(*second->trace));
    for (int q = 0; q < 3; ++q) {
        for (int k = 0; k < 3; ++k) QCOMPARE(test::cellAt(map, q, k), static_cast<double>(expected(q, k)));
    }
    // And it is kept: going back to rollout and to flow does not recompute.
    view.setKind(ui::AnalysisKind::Rollout);
    view.setKind(ui::AnalysisKind::Flow);
    QVERIFY(!view.computing());
    QVERIFY(view.colorMap() != nullptr);
}

QTEST_MAIN(TestAnalysisViews)
#include "test_analysis_views.moc"
