// The first-run tour: finding words in the run's tokens, ranking heads by
// the attention one word gives another (by hand), and the tour in a real
// window on the bundled causal model: it opens the model and the classic
// sentence, its "it" -> "animal" step opens the best head with the row of
// "it" lit, steps switch tabs, and first start shows it once.
#include "support/test_settings.h"

#include "attnviz/ui/session/session_model.h"
#include "attnviz/ui/window/main_window.h"
#include "panels/input_panel.h"
#include "window/default_models.h"
#include "attnviz/ui/views/explain_view.h"
#include "views/explain_figure.h"
#include "window/tour_panel.h"
#include "window/view_state.h"
#include "window/word_link.h"

#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace attnviz;

class TestTour : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(test::isolateSettings(m_settings.path())); }
    void findsWords();
    void ranksHeadsByHand();
    void tourInTheWindow();
    void firstStartShowsItOnce();

private:
    QTemporaryDir m_settings;
};

namespace {

std::vector<ui::TokenLabel> labels(std::initializer_list<const char*> texts) {
    std::vector<ui::TokenLabel> out;
    for (const char* t : texts) out.push_back({QString::fromUtf8(t), QString::fromUtf8(t).startsWith('<'), 0});
    return out;
}

}  // namespace

void TestTour::findsWords() {
    const auto tokens = labels({"<s>", "\u2423The", "\u2423anim", "al", "\u2423saw", "\u2423it", "\u2423itself", "\u2423it", "."});
    const auto animal = ui::findWord(tokens, QStringLiteral("animal"));
    QVERIFY(animal);
    QCOMPARE(animal->first, 2);
    QCOMPARE(animal->count, 2);
    const auto it = ui::findWord(tokens, QStringLiteral("It"));  // the last one, case ignored
    QVERIFY(it);
    QCOMPARE(it->first, 7);
    QCOMPARE(it->count, 1);
    QVERIFY(!ui::findWord(tokens, QStringLiteral("dog")));
    QVERIFY(!ui::findWord(tokens, QStringLiteral("ani")));  // a part of a token is not a word
    // A word does not run on into the next one: "saw" + "it" is not "sawit".
    QVERIFY(!ui::findWord(tokens, QStringLiteral("sawit")));
    // GPT-2's "Ġ" and SentencePiece's "▁" markers count as spaces too.
    QVERIFY(ui::findWord(labels({"\u0120an", "imal"}), QStringLiteral("animal")));
    QVERIFY(ui::findWord(labels({"\u2581animal"}), QStringLiteral("animal")));
}

void TestTour::ranksHeadsByHand() {
    // 3 tokens: "a" "b" "c"; the query is "c" (row 2), the key word "a b".
    core::AttentionTrace trace(1, 3, 3, false);
    const float rows[3][3] = {{0.1f, 0.1f, 0.8f}, {0.5f, 0.4f, 0.1f}, {0.3f, 0.3f, 0.4f}};  // row 2 of each head
    for (int h = 0; h < 3; ++h) {
        for (int k = 0; k < 3; ++k) trace.probs(0, h)[2 * 3 + k] = rows[h][k];
    }
    const auto links = ui::rankWordLinks(trace, {2, 1}, {0, 2});
    QCOMPARE(links.size(), std::size_t(3));
    QCOMPARE(links[0].head, ui::HeadRef({0, 1}));
    QVERIFY(std::abs(links[0].attention - 0.9) < 1e-6);
    QCOMPARE(links[1].head, ui::HeadRef({0, 2}));
    QCOMPARE(links[2].head, ui::HeadRef({0, 0}));
    QVERIFY(std::abs(links[2].attention - 0.2) < 1e-6);
}

void TestTour::tourInTheWindow() {
    QString causal;
    for (const ui::DefaultModel& m : ui::defaultModels()) {
        if (m.causal) {
            causal = m.dir;
            break;
        }
    }
    if (causal.isEmpty()) QSKIP("no bundled causal model (resources/models)");
    ui::MainWindow window;
    QSignalSpy ready(window.session(), &ui::SessionModel::resultReady);
    window.showTour();
    ui::TourPanel* tour = window.tour();
    QVERIFY(tour->isVisible());
    QCOMPARE(tour->step(), 0);
    QCOMPARE(window.inputPanel()->textEdit()->toPlainText(), QString::fromLatin1(ui::TourPanel::kSentence));
    // The run of the sentence on the bundled model.
    QTRY_VERIFY_WITH_TIMEOUT(window.session()->result() && !window.session()->isComputing() &&
                                 window.session()->input().text == QLatin1String(ui::TourPanel::kSentence),
                             30000);
    QCOMPARE(QDir::cleanPath(window.session()->model().dir), QDir::cleanPath(causal));

    tour->showStep(2);
    const auto& r = window.session()->result();
    const auto it = ui::findWord(r->tokens, QStringLiteral("it"));
    const auto animal = ui::findWord(r->tokens, QStringLiteral("animal"));
    QVERIFY(it && animal);
    QVERIFY(animal->first < it->first);
    const auto links = ui::rankWordLinks(*r->trace, *it, *animal);
    QCOMPARE(window.viewState()->head(), links.front().head);
    QCOMPARE(window.viewState()->highlightToken(), it->first + it->count - 1);
    QVERIFY2(tour->stepText().contains(links.front().head.label()), qPrintable(tour->stepText()));
    // The best head really gives "animal" the most of the row of "it".
    for (const ui::WordLink& l : links) QVERIFY(l.attention <= links.front().attention);

    tour->showStep(3);
    // Explain: the row of "it" in that head, from its q, k and v.
    auto* explain = window.findChild<ui::ExplainView*>();
    QCOMPARE(window.tabs()->currentWidget(), static_cast<QWidget*>(explain));
    QTRY_VERIFY_WITH_TIMEOUT(explain->data().valid(), 30000);
    QCOMPARE(explain->data().row.query, it->first + it->count - 1);
    QCOMPARE(explain->data().row.head, links.front().head.head);
    tour->showStep(4);
    QCOMPARE(window.tabs()->currentIndex(), 1);  // Overview
    tour->showStep(5);
    QCOMPARE(window.tabs()->currentIndex(), 4);  // Aggregates
    tour->showStep(99);
    QCOMPARE(tour->step(), tour->stepCount() - 1);
}

void TestTour::firstStartShowsItOnce() {
    QTemporaryDir fresh;
    QVERIFY(test::isolateSettings(fresh.path()));
    {
        ui::MainWindow window;
        ui::StartOptions options;
        options.offerTourOnFirstStart = true;
        window.start(options);
        QVERIFY(window.findChild<ui::TourPanel*>() && window.findChild<ui::TourPanel*>()->isVisible());
    }
    {
        // Seen once: not again, also on another first-start-like start.
        ui::MainWindow window;
        ui::StartOptions options;
        options.offerTourOnFirstStart = true;
        window.start(options);
        const auto* tour = window.findChild<ui::TourPanel*>();
        QVERIFY(tour == nullptr || !tour->isVisible());
    }
}

QTEST_MAIN(TestTour)
#include "test_tour.moc"
