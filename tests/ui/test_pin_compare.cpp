// Pin and compare (issue 21): pin the run on screen, change the mask or the
// sentence, and the Difference tab shows live and pinned on one colour scale,
// their signed difference, and every head ranked by mean Jensen-Shannon
// divergence (the core's numbers, tests/analysis/test_run_comparison checks
// those against numpy), exported as CSV; an edited sentence is aligned by
// character spans.
#include "ui_fixture.h"

#include "support/test_settings.h"
#include "support/verify_result.h"

#include "attnviz/core/head_change.h"
#include "attnviz/ui/session/pinned_run.h"
#include "attnviz/ui/session/session_model.h"
#include "attnviz/ui/views/difference_view.h"
#include "attnviz/ui/window/main_window.h"
#include "panels/difference_page.h"
#include "panels/input_panel.h"
#include "window/default_models.h"
#include "window/view_state.h"

#include <QAction>
#include <QFile>
#include <QPlainTextEdit>
#include <QTreeWidget>
#include <QtTest>
#include <qcustomplot.h>

using namespace attnviz;

class TestPinCompare : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(test::isolateSettings(m_settings.path())); }
    void pinThenChangeTheMask();
    void pinThenEditTheSentence();

private:
    std::unique_ptr<ui::MainWindow> openBundled(const QString& text);
    static bool waitIdle(ui::MainWindow& w, const QString& text);
    QTemporaryDir m_settings;
};

bool TestPinCompare::waitIdle(ui::MainWindow& w, const QString& text) {
    return QTest::qWaitFor([&] {
        return w.session()->result() && !w.session()->isComputing() && w.session()->resultInput().text == text;
    }, 30000);
}

std::unique_ptr<ui::MainWindow> TestPinCompare::openBundled(const QString& text) {
    QString dir;
    for (const ui::DefaultModel& m : ui::defaultModels()) {
        if (m.causal) dir = m.dir;
    }
    if (dir.isEmpty()) return nullptr;
    auto window = std::make_unique<ui::MainWindow>();
    window->resize(1280, 800);
    window->inputPanel()->textEdit()->setPlainText(text);
    window->openModelFolder(dir);
    return waitIdle(*window, text) ? std::move(window) : nullptr;
}

void TestPinCompare::pinThenChangeTheMask() {
    const QString text = QStringLiteral("The animal didn't cross the road because it was too tired.");
    auto window = openBundled(text);
    if (!window) QSKIP("no bundled causal model (resources/models)");
    const auto pinnedResult = window->session()->result();
    QAction* pin = nullptr;
    for (QAction* a : window->findChildren<QAction*>()) {
        if (a->objectName() == QLatin1String("pinRun")) pin = a;
    }
    QVERIFY(pin != nullptr);
    QCOMPARE(pin->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_P));
    pin->trigger();
    ui::DifferencePage* page = window->differencePage();
    QCOMPARE(window->tabs()->currentWidget(), static_cast<QWidget*>(page));
    ui::DifferenceView* view = page->view();
    QCOMPARE(view->source(), ui::DifferenceView::Source::PinnedRun);

    ATTNVIZ_UNWRAP(mask, core::MaskMode::parse("window:4"));
    window->session()->setMask(mask);
    QVERIFY(QTest::qWaitFor([&] {
        const auto r = window->session()->result();
        return r && r != pinnedResult && !window->session()->isComputing();
    }, 30000));
    window->viewState()->setHead({1, 2});
    QCoreApplication::processEvents();
    const auto live = window->session()->result();
    // Every head is compared on a worker; the view says so meanwhile. The
    // session may publish the result again with induction measured (the same
    // traces): the comparison holds for both.
    QVERIFY(QTest::qWaitFor([&] {
        return view->comparison() && view->comparison()->live->sameAttention(*live) && view->colorMap(0) != nullptr;
    }, 30000));
    const auto c = view->comparison();
    QCOMPARE(c->alignment.method, core::RunAlignment::Method::SameTokens);
    const core::AttentionTrace& a = *live->trace;
    const core::AttentionTrace& b = *pinnedResult->trace;
    const int T = a.seqLen();
    // Live, pinned and live - pinned, cell for cell (rows renormalised over the matched units: all of them here).
    for (int i = 0; i < T; i += 3) {
        double sa = 0, sb = 0;
        for (int j = 0; j < T; ++j) {
            sa += a.prob(1, 2, i, j);
            sb += b.prob(1, 2, i, j);
        }
        for (int j = 0; j < T; ++j) {
            const double va = a.prob(1, 2, i, j) / sa;
            const double vb = b.prob(1, 2, i, j) / sb;
            QVERIFY(std::abs(test::cellAt(view->colorMap(0), i, j) - va) < 1e-6);
            QVERIFY(std::abs(test::cellAt(view->colorMap(1), i, j) - vb) < 1e-6);
            QVERIFY(std::abs(test::cellAt(view->colorMap(2), i, j) - (va - vb)) < 1e-6);
        }
    }
    // One colour scale for live and pinned.
    QCOMPARE(view->colorMap(0)->colorScale(), view->colorMap(1)->colorScale());
    // The ranking is the core's, most changed first; clicking a row picks that head.
    const std::vector<core::HeadChange> ranked = core::rankHeadChanges(a, b, c->alignment);
    QTreeWidget* list = page->ranking();
    QVERIFY(list->isVisible() || !window->isVisible());
    QCOMPARE(list->topLevelItemCount(), static_cast<int>(ranked.size()));
    for (int k = 0; k < 3; ++k) {
        QCOMPARE(list->topLevelItem(k)->data(0, Qt::UserRole).toInt(), ranked[k].layer);
        QCOMPARE(list->topLevelItem(k)->data(0, Qt::UserRole + 1).toInt(), ranked[k].head);
    }
    QVERIFY(ranked.front().meanJsd > 0.0);
    emit list->itemClicked(list->topLevelItem(0), 0);
    QCOMPARE(window->viewState()->head(), (ui::HeadRef{ranked[0].layer, ranked[0].head}));
    QVERIFY(view->figureSubtitle().contains(QStringLiteral("the same")));
    QVERIFY(!view->figureFormula().isEmpty());
    // The ranking as CSV: the same heads in the same order, the core's JSD.
    const QString csvPath = m_settings.filePath(QStringLiteral("head-changes.csv"));
    ATTNVIZ_VERIFY_OK(page->exportRanking(csvPath));
    QFile csv(csvPath);
    QVERIFY(csv.open(QIODevice::ReadOnly | QIODevice::Text));
    const QStringList lines = QString::fromUtf8(csv.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), static_cast<int>(ranked.size()) + 1);
    QCOMPARE(lines[0], QStringLiteral("rank,layer,head,mean_jsd"));
    for (std::size_t k = 0; k < ranked.size(); ++k) {
        const QStringList f = lines[static_cast<int>(k) + 1].split(QLatin1Char(','));
        QCOMPARE(f.size(), 4);
        QCOMPARE(f[0].toInt(), static_cast<int>(k) + 1);
        QCOMPARE(f[1].toInt(), ranked[k].layer);
        QCOMPARE(f[2].toInt(), ranked[k].head);
        QVERIFY(std::abs(f[3].toDouble() - ranked[k].meanJsd) <= 1e-9 * std::max(1.0, ranked[k].meanJsd));
    }
    // Unpinning says how to pin; there is nothing to export then.
    page->setPinned(nullptr);
    QVERIFY(view->colorMap(0) == nullptr);
    QCOMPARE(list->topLevelItemCount(), 0);
    const core::Status none = page->exportRanking(m_settings.filePath(QStringLiteral("none.csv")));
    QVERIFY(!none && none.error().find("no ranking") != std::string::npos);
    QVERIFY(!QFile::exists(m_settings.filePath(QStringLiteral("none.csv"))));
}

void TestPinCompare::pinThenEditTheSentence() {
    const QString text = QStringLiteral("The animal didn't cross the road.");
    auto window = openBundled(text);
    if (!window) QSKIP("no bundled causal model (resources/models)");
    window->differencePage()->pinRequested();
    const QString edited = QStringLiteral("The old animal didn't cross the road.");
    window->inputPanel()->textEdit()->setPlainText(edited);
    QVERIFY(waitIdle(*window, edited));
    window->viewState()->setHead({0, 1});
    QCoreApplication::processEvents();
    ui::DifferenceView* view = window->differencePage()->view();
    QVERIFY(QTest::qWaitFor([&] {
        return view->comparison() && view->comparison()->live->sameAttention(*window->session()->result());
    }, 30000));
    QCoreApplication::processEvents();
    const auto c = view->comparison();
    QCOMPARE(c->alignment.method, core::RunAlignment::Method::CharacterSpans);
    // Every pinned token has its place; " old" has none.
    QCOMPARE(c->alignment.matchedB, c->alignment.tokensB);
    QCOMPARE(c->alignment.matchedA, c->alignment.tokensA - 1);
    QVERIFY(!c->unitLabels.join(QString()).contains(QStringLiteral("old")));
    QVERIFY(view->figureSubtitle().contains(QStringLiteral("character spans")));
    QCOMPARE(view->colorMap(0)->data()->keySize(), static_cast<int>(c->alignment.units.size()));
}

QTEST_MAIN(TestPinCompare)
#include "test_pin_compare.moc"
