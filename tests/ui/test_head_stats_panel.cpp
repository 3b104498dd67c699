// The Heads panel: its cells are core::computeHeadStats (and the induction
// scores of core::measureInduction), sorting a column orders the rows as
// core::rankHeadsByStatistic does (ties and undefined values included), "find
// heads like this one" orders them as core::rankHeadsBySimilarity, selecting
// a row shows that head, hovering a thumbnail in the overview marks its row,
// and the CSV / JSON exports are attnviz-cli analyze's formats.
#include "support/test_settings.h"
#include "ui_fixture.h"
#include "support/verify_result.h"

#include "attnviz/core/analysis_json.h"
#include "attnviz/core/head_search.h"
#include "attnviz/core/induction.h"
#include "attnviz/ui/panels/head_stats_model.h"
#include "attnviz/ui/session/session_model.h"
#include "attnviz/ui/views/analysis_kind.h"
#include "attnviz/ui/views/head_grid_view.h"
#include "attnviz/ui/views/head_view.h"
#include "attnviz/ui/window/main_window.h"
#include "panels/head_stats_panel.h"
#include "panels/input_panel.h"
#include "panels/view_controls.h"

#include <QHeaderView>
#include <QPushButton>
#include <QScrollBar>
#include <QStyleOptionHeader>
#include <QPlainTextEdit>
#include <QTableView>
#include <QtTest>
#include <qcustomplot.h>

#include <cmath>

using namespace attnviz;

namespace {

// 3 layers x 4 heads: enough heads for orders to mean something.
const char* kWideGpt2 =
    R"({"model_type":"gpt2","n_embd":16,"n_layer":3,"n_head":4,"n_inner":null,"n_positions":64,)"
    R"("activation_function":"gelu_new","layer_norm_epsilon":1e-05,"vocab_size":50})";

bool sameNumber(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

std::vector<ui::HeadRef> tableOrder(const ui::HeadStatsModel& model) {
    std::vector<ui::HeadRef> out;
    for (int row = 0; row < model.rowCount(); ++row) out.push_back(model.headAt(row));
    return out;
}

std::vector<ui::HeadRef> heads(const std::vector<core::HeadScore>& ranking) {
    std::vector<ui::HeadRef> out;
    for (const core::HeadScore& s : ranking) out.push_back({s.layer, s.head});
    return out;
}

// Hand-made statistics with ties and undefined values in every column.
std::vector<core::HeadStats> handStats() {
    std::vector<core::HeadStats> stats;
    const double values[12] = {0.5, 0.2, 0.5, std::nan(""), 0.9, 0.2, 0.1, 0.5, std::nan(""), 0.9, 0.3, 0.2};
    for (int i = 0; i < 12; ++i) {
        core::HeadStats s;
        s.layer = i / 4;
        s.head = i % 4;
        s.entropy = values[i];
        s.meanDistance = values[(i + 3) % 12] * 4;
        s.sink = values[(i + 5) % 12];
        s.prevToken = values[(i + 7) % 12];
        s.diagonal = values[(i * 5) % 12];
        s.induction = values[(i * 7 + 1) % 12];
        stats.push_back(s);
    }
    return stats;
}

}  // namespace

class TestHeadStatsPanel : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cellsEqualCore();
    void inductionColumnEqualsCore();
    void sortOrderEqualsCore_data();
    void sortOrderEqualsCore();
    void sortByClickingTheHeader();
    void findSimilarOrderEqualsCore();
    void formulasInHeaderTooltips();
    void columnsReadableAtDockWidth();
    void selectingRowShowsHead();
    void overviewHoverMarksRow();
    void exportsAreAnalyzeFormats();

private:
    QTemporaryDir m_tmp;
    QTemporaryDir m_out;
    QTemporaryDir m_settingsDir;
    ui::LoadedModel m_model;
};

void TestHeadStatsPanel::initTestCase() {
    // QSettings away from the user's own and from tests running alongside.
    QVERIFY(test::isolateSettings(m_settingsDir.path()));
    ATTNVIZ_UNWRAP_TO(m_model, test::loadConfigModel(m_tmp, "wide-gpt2", kWideGpt2));
}

void TestHeadStatsPanel::cellsEqualCore() {
    ATTNVIZ_UNWRAP(result, test::runIds(m_model, {3, 17, 5, 42, 8, 23, 11, 30, 1}));
    ui::HeadStatsPanel panel;
    panel.setResult(result);
    const ui::HeadStatsModel* model = panel.model();
    const std::vector<core::HeadStats> expected = core::computeHeadStats(*result->trace);
    QCOMPARE(model->rowCount(), 12);
    QCOMPARE(model->columnCount(), 7);
    for (int row = 0; row < 12; ++row) {
        const core::HeadStats& e = expected[static_cast<std::size_t>(row)];
        QCOMPARE(model->headAt(row), (ui::HeadRef{e.layer, e.head}));
        QCOMPARE(model->data(model->index(row, 0)).toString(), (ui::HeadRef{e.layer, e.head}.label()));
        for (core::HeadStatistic stat : core::kAllHeadStatistics) {
            const int column = ui::HeadStatsModel::statisticColumn(stat);
            const double shown = model->data(model->index(row, column), ui::HeadStatsModel::kValueRole).toDouble();
            QVERIFY2(sameNumber(shown, e.value(stat)), qPrintable(QStringLiteral("row %1 column %2").arg(row).arg(column)));
            if (!std::isnan(e.value(stat))) {
                const QString text = model->data(model->index(row, column)).toString();
                QVERIFY(std::abs(text.toDouble() - e.value(stat)) <= 0.006);
            }
        }
    }
    // Induction is measured separately: "measuring" until then.
    const int induction = ui::HeadStatsModel::statisticColumn(core::HeadStatistic::Induction);
    QVERIFY(std::isnan(model->data(model->index(0, induction), ui::HeadStatsModel::kValueRole).toDouble()));
    QCOMPARE(model->data(model->index(0, induction)).toString(), QStringLiteral("…"));
    QVERIFY(panel.statusText().contains(QStringLiteral("measuring induction")));
}

void TestHeadStatsPanel::inductionColumnEqualsCore() {
    ATTNVIZ_UNWRAP(first, test::runIds(m_model, {3, 17, 5, 42, 8}));
    auto measured = ui::completeExtras(m_model, *first, ui::RunFeatures{});
    QVERIFY2(measured, measured ? "" : measured.error().c_str());
    const auto result = measured.value();
    // The same sequence and scores as attnviz-cli analyze computes.
    core::InductionOptions options;
    options.shrinkToFit = true;
    auto sequence = core::makeInductionSequence(m_model.model->config(), m_model.tokenizer.get(), options);
    QVERIFY(sequence);
    QCOMPARE(result->induction->sequence.ids, sequence->ids);
    auto scores = core::measureInduction(*m_model.model, *sequence, core::MaskMode::defaultMode());
    QVERIFY(scores);
    ui::HeadStatsPanel panel;
    panel.setResult(result);
    const int column = ui::HeadStatsModel::statisticColumn(core::HeadStatistic::Induction);
    for (int row = 0; row < 12; ++row) {
        QCOMPARE(panel.model()->data(panel.model()->index(row, column), ui::HeadStatsModel::kValueRole).toDouble(),
                 (*scores)[static_cast<std::size_t>(row)]);
    }
    QVERIFY(panel.statusText().contains(QStringLiteral("seed %1").arg(core::kInductionSeed)));
    // A later run of the same model and mask reuses the scores.
    auto next = ui::runSession(m_model, test::idTokens({9, 8, 7}), core::MaskMode::defaultMode());
    QVERIFY(next);
    QCOMPARE(next.value()->induction, result->induction);
    QCOMPARE(next.value()->headStats[5].induction, (*scores)[5]);
    QVERIFY(!ui::needsInduction(*next.value()));
}

void TestHeadStatsPanel::sortOrderEqualsCore_data() {
    QTest::addColumn<bool>("fromModel");
    QTest::addColumn<int>("statistic");
    QTest::addColumn<bool>("descending");
    for (bool fromModel : {true, false}) {
        for (core::HeadStatistic s : core::kAllHeadStatistics) {
            for (bool descending : {true, false}) {
                const QString name = QStringLiteral("%1 %2 %3")
                                         .arg(fromModel ? QStringLiteral("run") : QStringLiteral("hand-made ties"),
                                              ui::toQString(core::statisticName(s)),
                                              descending ? QStringLiteral("desc") : QStringLiteral("asc"));
                QTest::newRow(qPrintable(name)) << fromModel << static_cast<int>(s) << descending;
            }
        }
    }
}

void TestHeadStatsPanel::sortOrderEqualsCore() {
    QFETCH(bool, fromModel);
    QFETCH(int, statistic);
    QFETCH(bool, descending);
    const auto stat = static_cast<core::HeadStatistic>(statistic);
    std::vector<core::HeadStats> stats;
    if (fromModel) {
        ATTNVIZ_UNWRAP(first, test::runIds(m_model, {3, 17, 5, 42, 8, 23, 11}));
        auto measured = ui::completeExtras(m_model, *first, ui::RunFeatures{});
        QVERIFY(measured);
        stats = measured.value()->headStats;
    } else {
        stats = handStats();
    }
    ui::HeadStatsModel model;
    model.setStats(stats, 4);
    model.sort(ui::HeadStatsModel::statisticColumn(stat), descending ? Qt::DescendingOrder : Qt::AscendingOrder);
    const auto expected =
        heads(core::rankHeadsByStatistic(stats, stat, descending ? core::SortOrder::Descending : core::SortOrder::Ascending));
    QCOMPARE(tableOrder(model), expected);
    // The CSV export writes the rows in this order.
    const auto ordered = model.orderedStats();
    for (std::size_t i = 0; i < ordered.size(); ++i) {
        QCOMPARE((ui::HeadRef{ordered[i].layer, ordered[i].head}), expected[i]);
    }
    // A new run keeps the sort.
    model.setStats(stats, 4);
    QCOMPARE(tableOrder(model), expected);
}

void TestHeadStatsPanel::sortByClickingTheHeader() {
    ui::HeadStatsPanel panel;
    panel.resize(500, 400);
    panel.show();
    ATTNVIZ_UNWRAP(shown, test::runIds(m_model, {3, 17, 5, 42, 8, 23, 11}));
    panel.setResult(shown);
    const auto stats = panel.model()->stats();
    QHeaderView* header = panel.table()->horizontalHeader();
    const int column = ui::HeadStatsModel::statisticColumn(core::HeadStatistic::Sink);
    const QPoint at(header->sectionViewportPosition(column) + header->sectionSize(column) / 2, header->height() / 2);
    // First click: largest first (what "which heads are sinks" wants).
    QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, at);
    QCOMPARE(tableOrder(*panel.model()), heads(core::rankHeadsByStatistic(stats, core::HeadStatistic::Sink)));
    QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, at);
    QCOMPARE(tableOrder(*panel.model()),
             heads(core::rankHeadsByStatistic(stats, core::HeadStatistic::Sink, core::SortOrder::Ascending)));
}

void TestHeadStatsPanel::findSimilarOrderEqualsCore() {
    ATTNVIZ_UNWRAP(result, test::runIds(m_model, {3, 17, 5, 42, 8, 23, 11, 30, 1}));
    ui::HeadStatsPanel panel;
    panel.setResult(result);
    panel.setCurrentHead({1, 2});
    QCOMPARE(panel.findButton()->text(), QStringLiteral("Find heads like L1 H2"));
    QSignalSpy ready(&panel, &ui::HeadStatsPanel::similarityReady);
    QTest::mouseClick(panel.findButton(), Qt::LeftButton);
    QVERIFY(ready.wait(10000));
    const auto ranking = core::rankHeadsBySimilarity(*result->trace, 1, 2);
    QCOMPARE(tableOrder(*panel.model()), heads(ranking));
    QCOMPARE(panel.model()->columnCount(), 8);
    for (std::size_t i = 0; i < ranking.size(); ++i) {
        const QModelIndex index = panel.model()->index(static_cast<int>(i), ui::HeadStatsModel::kSimilarityColumn);
        QCOMPARE(panel.model()->data(index, ui::HeadStatsModel::kValueRole).toDouble(), ranking[i].value);
    }
    QCOMPARE(panel.model()->headAt(0), (ui::HeadRef{1, 2}));  // itself, similarity 1
    QVERIFY(ranking[1].value < 1.0 && ranking.back().value < ranking[1].value);

    // A new run ranks again against the same head.
    ATTNVIZ_UNWRAP(next, test::runIds(m_model, {8, 6, 7, 5, 3, 0, 9}));
    panel.setResult(next);
    QVERIFY(ready.wait(10000));
    QCOMPARE(tableOrder(*panel.model()), heads(core::rankHeadsBySimilarity(*next->trace, 1, 2)));
    panel.clearSimilar();
    QCOMPARE(panel.model()->columnCount(), 7);
    QCOMPARE(panel.model()->headAt(0), (ui::HeadRef{0, 0}));
}

void TestHeadStatsPanel::formulasInHeaderTooltips() {
    ui::HeadStatsModel model;
    model.setStats(handStats(), 4);
    for (core::HeadStatistic stat : core::kAllHeadStatistics) {
        const QString tip = model.headerData(ui::HeadStatsModel::statisticColumn(stat), Qt::Horizontal, Qt::ToolTipRole).toString();
        QVERIFY2(tip.simplified().contains(ui::toQString(core::statisticFormula(stat)).simplified()), qPrintable(tip));
    }
    model.setSimilarity({0, 1}, {});
    const QString tip = model.headerData(ui::HeadStatsModel::kSimilarityColumn, Qt::Horizontal, Qt::ToolTipRole).toString();
    QVERIFY(tip.simplified().contains(ui::toQString(core::kHeadSimilarityFormula).simplified()));
    QVERIFY(tip.contains(QStringLiteral("L0 H1")));
}

// At the dock's default width (390 px) every title and number shows whole:
// no elided or clipped header (the sorted one keeps room for its arrow), no
// cell wider than its column, no horizontal scrolling.
void TestHeadStatsPanel::columnsReadableAtDockWidth() {
    ATTNVIZ_UNWRAP(first, test::runIds(m_model, {3, 17, 5, 42, 8, 23, 11, 30, 1}));
    auto measured = ui::completeExtras(m_model, *first, ui::RunFeatures{});
    QVERIFY(measured);
    ui::HeadStatsPanel panel;
    panel.resize(390, 600);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    panel.setResult(measured.value());
    panel.setCurrentHead({1, 2});
    QSignalSpy ready(&panel, &ui::HeadStatsPanel::similarityReady);
    panel.findSimilar({1, 2});
    QVERIFY(ready.wait(10000));
    QCOMPARE(panel.model()->columnCount(), 8);
    QTableView* table = panel.table();
    QHeaderView* header = table->horizontalHeader();
    const auto check = [&](const char* when) {
        QCoreApplication::processEvents();
        int total = 0;
        for (int c = 0; c < header->count(); ++c) total += header->sectionSize(c);
        QVERIFY2(total <= table->viewport()->width(), when);
        QVERIFY2(!table->horizontalScrollBar()->isVisible(), when);
        const QFontMetrics fm(table->font());
        for (int c = 0; c < header->count(); ++c) {
            QStyleOptionHeader opt;
            opt.initFrom(header);
            opt.state |= QStyle::State_Horizontal;
            opt.orientation = Qt::Horizontal;
            opt.section = c;
            opt.text = panel.model()->headerData(c, Qt::Horizontal).toString();
            opt.rect = QRect(0, 0, header->sectionSize(c), header->height());
            if (header->sortIndicatorSection() == c) {
                opt.sortIndicator = header->sortIndicatorOrder() == Qt::AscendingOrder ? QStyleOptionHeader::SortDown
                                                                                      : QStyleOptionHeader::SortUp;
            }
            const QRect label = header->style()->subElementRect(QStyle::SE_HeaderLabel, &opt, header);
            QVERIFY2(header->fontMetrics().horizontalAdvance(opt.text) <= label.width(),
                     qPrintable(QStringLiteral("%1: title '%2' in %3 px").arg(when, opt.text).arg(label.width())));
            for (int row = 0; row < panel.model()->rowCount(); ++row) {
                const QString text = panel.model()->index(row, c).data().toString();
                QVERIFY2(fm.horizontalAdvance(text) + 6 <= header->sectionSize(c),
                         qPrintable(QStringLiteral("%1: cell '%2' in %3 px").arg(when, text).arg(header->sectionSize(c))));
            }
        }
    };
    check("sorted by similarity");
    table->sortByColumn(ui::HeadStatsModel::statisticColumn(core::HeadStatistic::Entropy), Qt::DescendingOrder);
    check("sorted by entropy");
    table->sortByColumn(ui::HeadStatsModel::statisticColumn(core::HeadStatistic::Induction), Qt::DescendingOrder);
    check("sorted by induction");
    panel.clearSimilar();
    check("without the similarity column");
}

void TestHeadStatsPanel::selectingRowShowsHead() {
    ui::MainWindow window;
    window.resize(1400, 900);
    window.show();
    QSignalSpy ready(window.session(), &ui::SessionModel::resultReady);
    window.inputPanel()->textEdit()->setPlainText(QStringLiteral("3 17 5 42 8"));
    window.session()->setModel(m_model);
    QVERIFY(ready.wait(10000));
    ui::HeadStatsPanel* panel = window.headStatsPanel();
    QSignalSpy selected(panel, &ui::HeadStatsPanel::headSelected);
    QTableView* table = panel->table();
    const int row = panel->model()->rowOf({2, 1});
    QVERIFY(row >= 0);
    const QRect cell = table->visualRect(panel->model()->index(row, 2));
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, cell.center());
    QCOMPARE(selected.count(), 1);
    QCOMPARE(selected.at(0).at(0).value<ui::HeadRef>(), (ui::HeadRef{2, 1}));
    QCOMPARE(window.headView()->head(), (ui::HeadRef{2, 1}));
    QCOMPARE(window.controls()->head(), (ui::HeadRef{2, 1}));
    QCOMPARE(window.tabs()->currentWidget(), window.headView());
    // The other way: moving to a head elsewhere selects its row, silently.
    window.controls()->setHead({0, 3});
    emit window.controls()->headChanged({0, 3});
    QCOMPARE(table->currentIndex().row(), panel->model()->rowOf({0, 3}));
    QCOMPARE(selected.count(), 1);
    // Sorting keeps the selection on the head, not on the row number.
    table->sortByColumn(ui::HeadStatsModel::statisticColumn(core::HeadStatistic::Entropy), Qt::DescendingOrder);
    QCOMPARE(panel->model()->headAt(table->currentIndex().row()), (ui::HeadRef{0, 3}));
    QCOMPARE(window.headView()->head(), (ui::HeadRef{0, 3}));
}

void TestHeadStatsPanel::overviewHoverMarksRow() {
    ui::MainWindow window;
    window.resize(1400, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QSignalSpy ready(window.session(), &ui::SessionModel::resultReady);
    window.inputPanel()->textEdit()->setPlainText(QStringLiteral("3 17 5 42 8"));
    window.session()->setModel(m_model);
    QVERIFY(ready.wait(10000));
    window.tabs()->setCurrentWidget(window.overview());
    ui::HeadGridView* overview = window.overview();
    overview->plot()->replot();
    QCPColorMap* thumb = overview->colorMap({1, 3});
    QVERIFY(thumb != nullptr);
    const QCPRange keys = thumb->data()->keyRange();
    const QCPRange values = thumb->data()->valueRange();
    const QPoint center(static_cast<int>(thumb->keyAxis()->coordToPixel(keys.center())),
                        static_cast<int>(thumb->valueAxis()->coordToPixel(values.center())));
    bool ok = false;
    QCOMPARE(overview->headAt(center, &ok), (ui::HeadRef{1, 3}));
    QVERIFY(ok);
    QTest::mouseMove(overview->plot(), center);
    const ui::HeadStatsModel* model = window.headStatsPanel()->model();
    QTRY_COMPARE(model->hoveredHead(), (ui::HeadRef{1, 3}));
    const int row = model->rowOf({1, 3});
    QCOMPARE(model->data(model->index(row, 0), Qt::BackgroundRole).value<QColor>(), QColor(255, 226, 122));
    QVERIFY(!model->data(model->index(model->rowOf({1, 2}), 0), Qt::BackgroundRole).isValid());
    // Off the thumbnails: no row is marked.
    QTest::mouseMove(overview->plot(), QPoint(3, overview->plot()->height() / 2));  // the layer labels
    QTRY_COMPARE(model->hoveredHead(), (ui::HeadRef{-1, -1}));
}

void TestHeadStatsPanel::exportsAreAnalyzeFormats() {
    ATTNVIZ_UNWRAP(first, test::runIds(m_model, {3, 17, 5, 42, 8}));
    auto measured = ui::completeExtras(m_model, *first, ui::RunFeatures{});
    QVERIFY(measured);
    const auto result = measured.value();
    ui::HeadStatsPanel panel;
    panel.setResult(result);
    panel.model()->sort(ui::HeadStatsModel::statisticColumn(core::HeadStatistic::PrevToken), Qt::DescendingOrder);
    const QString csv = m_out.filePath(QStringLiteral("stats.csv"));
    QVERIFY(panel.exportTo(csv));
    QFile file(csv);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 13);
    QCOMPARE(lines[0], QStringLiteral("layer,head,entropy,mean_distance,sink,prev_token,diagonal,induction"));
    const auto first_ = panel.model()->headAt(0);
    QVERIFY(lines[1].startsWith(QStringLiteral("%1,%2,").arg(first_.layer).arg(first_.head)));
    const QString json = m_out.filePath(QStringLiteral("stats.json"));
    QVERIFY(panel.exportTo(json));
    QFile jf(json);
    QVERIFY(jf.open(QIODevice::ReadOnly));
    const QByteArray bytes = jf.readAll();
    QVERIFY(bytes.contains("\"induction_seed\": 20240607") || bytes.contains("\"induction_seed\":20240607"));
    const auto bad = panel.exportTo(m_out.filePath(QStringLiteral("stats.png")));
    QVERIFY(!bad);
    QVERIFY(QString::fromStdString(bad.error()).contains(QStringLiteral(".csv")));
}

QTEST_MAIN(TestHeadStatsPanel)
#include "test_head_stats_panel.moc"
