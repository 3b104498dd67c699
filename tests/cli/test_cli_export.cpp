// attnviz-cli export draws the same figures as the window's File > Export:
// for each view, the CLI's PNG equals, pixel for pixel, the PNG the GUI writes
// for the same model, input and view settings.
#include "ui/ui_fixture.h"

#include "attnviz/ui/export/exporters.h"
#include "attnviz/ui/panels/head_stats_model.h"
#include "attnviz/ui/session/session_model.h"
#include "attnviz/ui/views/analysis_view.h"
#include "attnviz/ui/views/compare_view.h"
#include "attnviz/ui/views/difference_view.h"
#include "attnviz/ui/views/head_grid_view.h"
#include "attnviz/ui/views/head_view.h"
#include "attnviz/ui/window/main_window.h"
#include "panels/analysis_page.h"
#include "panels/compare_page.h"
#include "panels/difference_page.h"
#include "panels/head_stats_panel.h"
#include "panels/input_panel.h"
#include "panels/view_controls.h"
#include "support/test_paths.h"
#include "support/test_settings.h"
#include "support/verify_result.h"

#include <QPlainTextEdit>
#include <QSpinBox>
#include <QProcess>
#include <QSettings>
#include <QtTest>

using namespace attnviz;

namespace {

struct CliRun {
    int exitCode = -1;
    QString error;
};

CliRun runCli(const QStringList& args) {
    QProcess cli;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("QT_QPA_PLATFORM"));  // the CLI chooses offscreen itself
    env.remove(QStringLiteral("DISPLAY"));
    cli.setProcessEnvironment(env);
    cli.start(QStringLiteral(ATTNVIZ_CLI_PATH), QStringList{QStringLiteral("export")} + args);
    if (!cli.waitForFinished(60000)) return {-1, QStringLiteral("attnviz-cli did not finish")};
    return {cli.exitCode(), QString::fromUtf8(cli.readAllStandardError())};
}

QImage load(const QString& path) { return QImage(path).convertToFormat(QImage::Format_ARGB32); }

}  // namespace

class TestCliExport : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void sameImagesAsGui_data();
    void sameImagesAsGui();
    void sameSvgAsGui();
    void aggregatesSameAsGui_data();
    void aggregatesSameAsGui();
    void statsSameAsGui_data();
    void statsSameAsGui();
    void realTokenizerSameImage();
    void allWritesEveryHead();
    void errorsAreOneLine();

private:
    // Opens the fixture in a window, types the ids and waits for the result;
    // null, with m_openFailure saying why, when either does not come.
    std::unique_ptr<ui::MainWindow> openWindow(const QString& modelDir, const QString& text);

    QTemporaryDir m_tmp;
    QTemporaryDir m_out;
    QTemporaryDir m_settingsDir;
    QString m_modelDir;
    QString m_openFailure;
    // Typed into the window (no tokenizer: ids) and given to --ids.
    const QString m_ids = QStringLiteral("5 17 2 33 8 41 12 29 3");
    const QString m_cliIds = QStringLiteral("5,17,2,33,8,41,12,29,3");
};

void TestCliExport::initTestCase() {
    // QSettings away from the user's own and from tests running alongside.
    QVERIFY(test::isolateSettings(m_settingsDir.path()));
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-gpt2"));
    m_modelDir = model.dir;
}

std::unique_ptr<ui::MainWindow> TestCliExport::openWindow(const QString& modelDir, const QString& text) {
    // Each window starts as a first start: the mask, head and tab an earlier
    // test chose would otherwise be restored (as they are for users).
    QSettings(QStringLiteral("attnviz"), QStringLiteral("attnviz")).clear();
    auto window = std::make_unique<ui::MainWindow>();
    ui::SessionModel* session = window->session();
    QSignalSpy ready(session, &ui::SessionModel::resultReady);
    QSignalSpy loaded(session, &ui::SessionModel::modelChanged);
    window->inputPanel()->textEdit()->setPlainText(text);
    window->openModelFolder(modelDir);
    if (!loaded.wait(10000)) {
        m_openFailure = "the window did not load " + modelDir + " within 10 s";
        return nullptr;
    }
    if (!ready.wait(10000)) {
        m_openFailure = "the window showed no result for '" + text + "' within 10 s";
        return nullptr;
    }
    return window;
}

void TestCliExport::sameImagesAsGui_data() {
    QTest::addColumn<QString>("view");
    QTest::addColumn<QStringList>("cliArgs");
    QTest::addRow("head L1 H0") << "head" << QStringList{"--view", "head", "--layer", "1", "--head", "0"};
    QTest::addRow("overview") << "overview" << QStringList{"--view", "overview"};
    QTest::addRow("compare") << "compare" << QStringList{"--view", "compare", "--heads", "0:1,1:0,1:mean"};
    QTest::addRow("difference bidirectional - causal")
        << "difference" << QStringList{"--view", "difference", "--mask", "bidirectional", "--layer", "1", "--head", "0"};
}

void TestCliExport::sameImagesAsGui() {
    QFETCH(QString, view);
    QFETCH(QStringList, cliArgs);
    auto window = openWindow(m_modelDir, m_ids);
    QVERIFY2(window, qPrintable(m_openFailure));
    ui::PlotView* target = nullptr;
    if (view == QLatin1String("head")) {
        window->headView()->setHead({1, 0});
        target = window->headView();
    } else if (view == QLatin1String("overview")) {
        target = window->overview();
    } else if (view == QLatin1String("compare")) {
        window->comparePage()->setHeads({{0, 1}, {1, 0}, {1, -1}});
        target = window->comparePage()->view();
    } else {
        QSignalSpy ready(window->session(), &ui::SessionModel::resultReady);
        window->session()->setMask(core::MaskMode::bidirectional());
        QVERIFY(ready.wait(10000));
        window->headView()->setHead({1, 0});
        window->differencePage()->view()->setHead({1, 0});
        target = window->differencePage()->view();
    }
    QVERIFY(target->exportProblem().isEmpty());
    const QString guiPath = m_out.filePath(view + QStringLiteral("-gui.png"));
    const core::Status status = ui::exportView(*target, guiPath, ui::ExportFormat::Png, {QSize(), 1.0});
    QVERIFY2(status, status ? "" : status.error().c_str());

    const QString cliPath = m_out.filePath(view + QStringLiteral("-cli.png"));
    const CliRun run = runCli(QStringList{"--model", m_modelDir, "--ids", m_cliIds} + cliArgs +
                              QStringList{"--scale", "1", "-o", cliPath});
    QVERIFY2(run.exitCode == 0, qPrintable(run.error));
    const QImage gui = load(guiPath);
    const QImage cli = load(cliPath);
    QVERIFY(!gui.isNull());
    QCOMPARE(cli.size(), gui.size());
    QVERIFY2(cli == gui, "the CLI and the GUI drew different pixels");
}

void TestCliExport::sameSvgAsGui() {
    auto window = openWindow(m_modelDir, m_ids);
    QVERIFY2(window, qPrintable(m_openFailure));
    window->headView()->setHead({0, 1});
    const QString guiPath = m_out.filePath(QStringLiteral("head-gui.svg"));
    QVERIFY(ui::exportView(*window->headView(), guiPath, ui::ExportFormat::Svg));
    const QString cliPath = m_out.filePath(QStringLiteral("head-cli.svg"));
    const CliRun run = runCli({"--model", m_modelDir, "--ids", m_cliIds, "--layer", "0", "--head", "1", "-o", cliPath});
    QVERIFY2(run.exitCode == 0, qPrintable(run.error));
    QFile a(guiPath);
    QFile b(cliPath);
    QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
    QCOMPARE(b.readAll(), a.readAll());
}

void TestCliExport::aggregatesSameAsGui_data() {
    QTest::addColumn<QString>("view");
    QTest::addColumn<int>("layer");
    QTest::addColumn<int>("head");
    QTest::addColumn<QString>("format");
    for (const QString& view : ui::analysisKindNames()) {
        QTest::addRow("%s png", qPrintable(view)) << view << 1 << 0 << QStringLiteral("png");
    }
    QTest::addRow("rollout through L0 png") << QStringLiteral("rollout") << 0 << 0 << QStringLiteral("png");
    QTest::addRow("value-norms L0 H1 csv") << QStringLiteral("value-norms") << 0 << 1 << QStringLiteral("csv");
    QTest::addRow("rollout json") << QStringLiteral("rollout") << 1 << 0 << QStringLiteral("json");
    QTest::addRow("value-norms-normalized svg") << QStringLiteral("value-norms-normalized") << 1 << 1 << QStringLiteral("svg");
}

void TestCliExport::aggregatesSameAsGui() {
    QFETCH(QString, view);
    QFETCH(int, layer);
    QFETCH(int, head);
    QFETCH(QString, format);
    auto window = openWindow(m_modelDir, m_ids);
    QVERIFY2(window, qPrintable(m_openFailure));
    // The JSON carries the induction scores the window measures after the result.
    QTRY_VERIFY_WITH_TIMEOUT(window->session()->result()->induction != nullptr, 10000);
    ui::AnalysisPage* page = window->analysisPage();
    page->setKind(*ui::analysisKindFromName(view));
    window->controls()->setHead({layer, head});
    emit window->controls()->headChanged({layer, head});
    QStringList layerArgs{"--layer", QString::number(layer), "--head", QString::number(head)};
    if (view == QLatin1String("rollout") || view == QLatin1String("flow")) {
        page->rolloutSpin()->setValue(layer);  // rollout, flow: layers 0..L (here the last layer is 1)
        if (layer == 1) layerArgs.clear();     // the CLI's default: every layer
    }
    ui::AnalysisView* target = page->view();
    target->ensureCurrent();
    QTRY_VERIFY_WITH_TIMEOUT(!target->computing(), 20000);  // flow is computed off the GUI thread
    QVERIFY2(target->exportProblem().isEmpty(), qPrintable(target->exportProblem()));
    const auto fmt = *ui::exportFormatFromName(format);
    const QString guiPath = m_out.filePath(QStringLiteral("%1-%2-gui.%3").arg(view, QTest::currentDataTag(), format));
    const core::Status status = ui::exportView(*target, guiPath, fmt, {QSize(), 1.0});
    QVERIFY2(status, status ? "" : status.error().c_str());
    const QString cliPath = m_out.filePath(QStringLiteral("%1-%2-cli.%3").arg(view, QTest::currentDataTag(), format));
    const CliRun run = runCli(QStringList{"--model", m_modelDir, "--ids", m_cliIds, "--view", view} + layerArgs +
                              QStringList{"--scale", "1", "-o", cliPath});
    QVERIFY2(run.exitCode == 0, qPrintable(run.error));
    if (fmt == ui::ExportFormat::Png) {
        const QImage gui = load(guiPath);
        QVERIFY(!gui.isNull());
        QVERIFY2(load(cliPath) == gui, "the CLI and the GUI drew different pixels");
    } else {
        QFile a(guiPath);
        QFile b(cliPath);
        QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
        const QByteArray bytes = a.readAll();
        QVERIFY(bytes.contains(ui::analysisFormula(*ui::analysisKindFromName(view)).left(40).toUtf8()) ||
                fmt == ui::ExportFormat::Svg);
        QCOMPARE(b.readAll(), bytes);
    }
}

void TestCliExport::statsSameAsGui_data() {
    QTest::addColumn<QString>("sort");
    QTest::addColumn<bool>("ascending");
    QTest::addColumn<QString>("format");
    QTest::addRow("csv by head") << QString() << false << QStringLiteral("csv");
    QTest::addRow("csv by prev_token") << QStringLiteral("prev_token") << false << QStringLiteral("csv");
    QTest::addRow("csv by entropy ascending") << QStringLiteral("entropy") << true << QStringLiteral("csv");
    QTest::addRow("json") << QString() << false << QStringLiteral("json");
}

void TestCliExport::statsSameAsGui() {
    QFETCH(QString, sort);
    QFETCH(bool, ascending);
    QFETCH(QString, format);
    auto window = openWindow(m_modelDir, m_ids);
    QVERIFY2(window, qPrintable(m_openFailure));
    QTRY_VERIFY_WITH_TIMEOUT(window->session()->result()->induction != nullptr, 10000);
    ui::HeadStatsPanel* panel = window->headStatsPanel();
    QCOMPARE(panel->result(), window->session()->result());
    QStringList sortArgs;
    if (!sort.isEmpty()) {
        const auto stat = core::statisticFromName(sort.toStdString());
        QVERIFY(stat.has_value());
        panel->model()->sort(ui::HeadStatsModel::statisticColumn(*stat), ascending ? Qt::AscendingOrder : Qt::DescendingOrder);
        sortArgs << "--sort" << sort;
        if (ascending) sortArgs << "--ascending";
    }
    const QString guiPath = m_out.filePath(QStringLiteral("stats-%1-gui.%2").arg(QTest::currentDataTag(), format));
    const core::Status status = panel->exportTo(guiPath);
    QVERIFY2(status, status ? "" : status.error().c_str());
    const QString cliPath = m_out.filePath(QStringLiteral("stats-%1-cli.%2").arg(QTest::currentDataTag(), format));
    const CliRun run = runCli(QStringList{"--model", m_modelDir, "--ids", m_cliIds, "--view", "stats"} + sortArgs +
                              QStringList{"-o", cliPath});
    QVERIFY2(run.exitCode == 0, qPrintable(run.error));
    QFile a(guiPath);
    QFile b(cliPath);
    QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
    const QByteArray bytes = a.readAll();
    QVERIFY(bytes.size() > 200);
    QCOMPARE(b.readAll(), bytes);
}

void TestCliExport::realTokenizerSameImage() {
    ATTNVIZ_REQUIRE_DIR(models, test::modelsDir, "../shared/models");
    const QString dir = QString::fromStdString((models / "stories260K").string());
    if (!QFileInfo(dir).isDir()) QSKIP("stories260K not found");
    const QString text = QStringLiteral("Once upon a time, a little cat sat on the mat.");
    auto window = openWindow(dir, text);
    QVERIFY2(window, qPrintable(m_openFailure));
    ui::ViewStyle style;
    style.colormap = ui::Colormap::Magma;
    style.range = ui::RangeMode::Head;
    style.hideSpecial = true;
    window->controls()->setViewStyle(style);
    for (ui::PlotView* v : std::initializer_list<ui::PlotView*>{window->headView()}) v->setViewStyle(style);
    window->headView()->setShowSteps(true);
    window->headView()->setHead({3, 6});
    const QString guiPath = m_out.filePath(QStringLiteral("stories-gui.png"));
    QVERIFY(ui::exportView(*window->headView(), guiPath, ui::ExportFormat::Png, {QSize(), 2.0}));
    const QString cliPath = m_out.filePath(QStringLiteral("stories-cli.png"));
    const CliRun run = runCli({"--model", dir, "--text", text, "--layer", "3", "--head", "6", "--colormap", "magma",
                               "--range", "head", "--hide-special", "--steps", "-o", cliPath});
    QVERIFY2(run.exitCode == 0, qPrintable(run.error));
    QVERIFY(load(cliPath) == load(guiPath));
}

void TestCliExport::allWritesEveryHead() {
    const QString dir = m_out.filePath(QStringLiteral("all"));
    const CliRun run = runCli({"--model", m_modelDir, "--ids", "1,2,3", "--all", dir, "--format", "csv"});
    QVERIFY2(run.exitCode == 0, qPrintable(run.error));
    const QStringList files = QDir(dir).entryList(QDir::Files, QDir::Name);
    QCOMPARE(files, (QStringList{"tiny-gpt2-L0H0.csv", "tiny-gpt2-L0H1.csv", "tiny-gpt2-L1H0.csv", "tiny-gpt2-L1H1.csv"}));
}

void TestCliExport::errorsAreOneLine() {
    const CliRun noHeads = runCli({"--model", m_modelDir, "--ids", "1,2", "--view", "compare", "-o", m_out.filePath("x.png")});
    QCOMPARE(noHeads.exitCode, 1);
    QCOMPARE(noHeads.error, QStringLiteral("attnviz-cli: error: --view compare needs --heads l:h,l:h\n"));
    const CliRun badLayer = runCli({"--model", m_modelDir, "--ids", "1,2", "--layer", "2", "-o", m_out.filePath("x.png")});
    QCOMPARE(badLayer.exitCode, 1);
    QVERIFY(badLayer.error.contains(QStringLiteral("--layer must be an integer from 0 to 1")));
    QVERIFY(!QFileInfo::exists(m_out.filePath("x.png")));
    const CliRun statsPng = runCli({"--model", m_modelDir, "--ids", "1,2", "--view", "stats", "-o", m_out.filePath("x.png")});
    QCOMPARE(statsPng.exitCode, 1);
    QVERIFY(statsPng.error.contains(QStringLiteral("csv")));
    const CliRun badSort = runCli({"--model", m_modelDir, "--ids", "1,2", "--view", "stats", "--sort", "bogus", "-o",
                                   m_out.filePath("x.csv")});
    QCOMPARE(badSort.exitCode, 1);
    QVERIFY(badSort.error.contains(QStringLiteral("prev_token")));
    const CliRun meanNorms = runCli({"--model", m_modelDir, "--ids", "1,2", "--view", "value-norms", "--head", "-1", "-o",
                                     m_out.filePath("x.png")});
    QCOMPARE(meanNorms.exitCode, 1);
    QVERIFY2(meanNorms.error.contains(QStringLiteral("pick a head")), qPrintable(meanNorms.error));
    QCOMPARE(meanNorms.error.count(QLatin1Char('\n')), 1);
    QVERIFY(!QFileInfo::exists(m_out.filePath("x.png")));
}

QTEST_MAIN(TestCliExport)
#include "test_cli_export.moc"
