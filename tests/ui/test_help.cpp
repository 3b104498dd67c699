// The help pages: every topic is compiled in and has a title, every link
// between pages leads to a topic, every view of the window has its own page,
// and F1 in the window opens the page of the tab on screen.
#include "support/test_settings.h"

#include "attnviz/ui/plot/plot_view.h"
#include "attnviz/ui/views/analysis_kind.h"
#include "attnviz/ui/window/main_window.h"
#include "window/about_dialogs.h"
#include "window/default_models.h"
#include "window/help_window.h"
#include "window/view_tabs.h"

#include <QAction>
#include <QFile>
#include <QRegularExpression>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QtTest>

using namespace attnviz;

class TestHelp : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(test::isolateSettings(m_settings.path())); }
    void pagesAreCompiledIn();
    void linksLeadToTopics();
    void everyViewHasAPage();
    void f1OpensTheViewOnScreen();
    void shortcutsListEveryAction();
    void aboutHasVersionLicencesAndModelCards();

private:
    QTemporaryDir m_settings;
};

namespace {

QString page(const QString& id) {
    QFile f(QStringLiteral(":/help/%1.html").arg(id));
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

bool isTopic(const QString& id) {
    for (const ui::HelpTopic& t : ui::helpTopics()) {
        if (t.id == id) return true;
    }
    return false;
}

}  // namespace

void TestHelp::pagesAreCompiledIn() {
    QVERIFY(ui::helpTopics().size() >= 9);
    for (const ui::HelpTopic& t : ui::helpTopics()) {
        const QString html = page(t.id);
        QVERIFY2(html.startsWith(QStringLiteral("<h2>")), qPrintable(t.id));
        QVERIFY2(html.size() > 300, qPrintable(t.id));
        QVERIFY(!t.title.isEmpty());
    }
    // What the issue asks the pages to explain, each somewhere.
    QString all;
    for (const ui::HelpTopic& t : ui::helpTopics()) all += page(t.id);
    for (const char* must : {"W<sub>Q</sub>", "sums to 1", "causal", "bidirectional", "encoder-decoder", "Local",
                             "global", "cross-attention", "rollout", "Value-weighted norms", "Attention flow"}) {
        QVERIFY2(all.contains(QLatin1String(must), Qt::CaseInsensitive), must);
    }
}

void TestHelp::linksLeadToTopics() {
    static const QRegularExpression link(QStringLiteral("href=\"([^\"]+)\""));
    for (const ui::HelpTopic& t : ui::helpTopics()) {
        for (auto it = link.globalMatch(page(t.id)); it.hasNext();) {
            const QString target = it.next().captured(1);
            QVERIFY2(target.endsWith(QStringLiteral(".html")) && isTopic(target.chopped(5)),
                     qPrintable(t.id + " -> " + target));
        }
    }
    // Following one keeps the list in step.
    ui::HelpWindow w;
    w.showTopic(QStringLiteral("basics"));
    w.browser()->setSource(QUrl(QStringLiteral("masks.html")));
    QCOMPARE(w.currentTopic(), QStringLiteral("masks"));
    QVERIFY(w.browser()->toPlainText().contains(QStringLiteral("Bidirectional")));
}

void TestHelp::everyViewHasAPage() {
    ui::ViewTabs tabs;
    for (const ui::PlotView* view : tabs.views()) {
        const QString topic = ui::helpTopicForView(view->viewName());
        QVERIFY2(topic != QStringLiteral("basics") && isTopic(topic), qPrintable(view->viewName()));
    }
    for (ui::AnalysisKind kind : ui::kAllAnalysisKinds) {
        QCOMPARE(ui::helpTopicForView(ui::analysisKindName(kind)), QStringLiteral("aggregates"));
    }
    QCOMPARE(ui::helpTopicForView(QStringLiteral("no such view")), QStringLiteral("basics"));
}

void TestHelp::f1OpensTheViewOnScreen() {
    ui::MainWindow window;
    auto* tabs = window.findChild<ui::ViewTabs*>();
    QVERIFY(tabs != nullptr);
    auto* f1 = window.findChild<QAction*>(QStringLiteral("helpCurrentView"));
    QVERIFY(f1 != nullptr);
    QCOMPARE(f1->shortcut(), QKeySequence(QKeySequence::HelpContents));
    tabs->setCurrentIndex(4);  // Aggregates
    f1->trigger();
    QVERIFY(window.helpWindow()->isVisible());
    QCOMPARE(window.helpWindow()->currentTopic(), QStringLiteral("aggregates"));
    QVERIFY(window.helpWindow()->browser()->toPlainText().contains(QStringLiteral("Attention rollout")));
    tabs->setCurrentIndex(1);  // Overview
    f1->trigger();
    QCOMPARE(window.helpWindow()->currentTopic(), QStringLiteral("overview"));
}

void TestHelp::shortcutsListEveryAction() {
    ui::MainWindow window;
    ui::ShortcutsDialog dialog(&window);
    QTableWidget* table = dialog.table();
    QStringList rows;
    for (int r = 0; r < table->rowCount(); ++r) rows << table->item(r, 0)->text() + " = " + table->item(r, 1)->text();
    // Every action of the window that has a shortcut is listed.
    int withShortcut = 0;
    for (const QAction* a : window.findChildren<QAction*>()) {
        if (a->shortcut().isEmpty()) continue;
        ++withShortcut;
        const QString keys = a->shortcut().toString(QKeySequence::NativeText);
        QVERIFY2(rows.filter(keys + " = ").size() >= 1, qPrintable(keys + " missing from:\n" + rows.join('\n')));
    }
    QVERIFY(withShortcut >= 8);
    QVERIFY2(rows.contains(QStringLiteral("F1 = What Am I Looking At?")), qPrintable(rows.join('\n')));
    QVERIFY(rows.filter(QStringLiteral("Left / Right")).size() == 1);
    QVERIFY2(rows.filter(QStringLiteral("Attention: cross")).size() == 1, qPrintable(rows.join('\n')));
}

void TestHelp::aboutHasVersionLicencesAndModelCards() {
    ui::AboutDialog about(nullptr);
    const QString text = about.browser()->toPlainText();
    QVERIFY2(text.contains(QRegularExpression(QStringLiteral("attnviz \\d+\\.\\d+"))), qPrintable(text.left(200)));
    QVERIFY(text.contains(QStringLiteral("GPL-3.0-or-later")));
    QVERIFY(text.contains(QStringLiteral("QCustomPlot")));
    const auto models = ui::defaultModels();
    if (models.empty()) QSKIP("no bundled models (resources/models)");
    for (const ui::DefaultModel& m : models) QVERIFY2(text.contains(m.name), qPrintable(m.name));
    QVERIFY(!text.contains(QStringLiteral("library_name")));  // the Hub's front matter is left out
}

QTEST_MAIN(TestHelp)
#include "test_help.moc"
