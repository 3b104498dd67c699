// The token strip: the two segments of a sentence pair in two colours and
// named in the tooltip text; chips readable (text against fill) in a light
// and in a dark palette; a pair run in the window reaches the strip.
#include "support/test_settings.h"
#include "support/verify_result.h"
#include "ui_fixture.h"

#include "attnviz/ui/session/session_model.h"
#include "attnviz/ui/window/main_window.h"
#include "panels/input_panel.h"
#include "panels/token_strip.h"
#include "window/default_models.h"

#include <QPalette>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace attnviz;

class TestTokenStrip : public QObject {
    Q_OBJECT

private slots:
    void segmentsHaveTheirOwnColour();
    void readableInLightAndDark_data();
    void readableInLightAndDark();
    void pairRunInTheWindow();
};

namespace {

std::vector<ui::TokenLabel> pairTokens() {
    return {{"[CLS]", true, 2}, {"hi", false, 7}, {"[SEP]", true, 3}, {"there", false, 9}, {"[SEP]", true, 3}};
}

// WCAG relative luminance contrast of two colours (1..21).
double contrast(const QColor& a, const QColor& b) {
    const auto lum = [](const QColor& c) {
        const auto ch = [](double v) { return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
        return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF());
    };
    const double x = lum(a), y = lum(b);
    return (std::max(x, y) + 0.05) / (std::min(x, y) + 0.05);
}

QPalette darkPalette() {
    QPalette p;
    p.setColor(QPalette::Window, QColor(37, 37, 38));
    p.setColor(QPalette::Base, QColor(30, 30, 30));
    p.setColor(QPalette::Text, QColor(230, 230, 230));
    p.setColor(QPalette::WindowText, QColor(230, 230, 230));
    p.setColor(QPalette::Highlight, QColor(38, 79, 120));
    p.setColor(QPalette::PlaceholderText, QColor(160, 160, 160));
    return p;
}

}  // namespace

void TestTokenStrip::segmentsHaveTheirOwnColour() {
    ui::TokenStrip strip;
    strip.setTokens(pairTokens());
    QCOMPARE(strip.segmentOf(1), QString());  // no segments given: one sentence
    strip.setSegments({0, 0, 0, 1, 1});
    QCOMPARE(strip.segmentOf(1), QStringLiteral("A"));
    QCOMPARE(strip.segmentOf(3), QStringLiteral("B"));
    QVERIFY(strip.chipColor(1) != strip.chipColor(3));
    QVERIFY(strip.chipColor(0) != strip.chipColor(1));  // special tokens apart
    strip.setSegments({0, 0, 0, 0, 0});  // all A: one sentence after all
    QCOMPARE(strip.segmentOf(3), QString());
    QCOMPARE(strip.chipColor(1), strip.chipColor(3));
}

void TestTokenStrip::readableInLightAndDark_data() {
    QTest::addColumn<bool>("dark");
    QTest::newRow("light") << false;
    QTest::newRow("dark") << true;
}

void TestTokenStrip::readableInLightAndDark() {
    QFETCH(bool, dark);
    ui::TokenStrip strip;
    if (dark) strip.setPalette(darkPalette());
    strip.setTokens(pairTokens());
    strip.setSegments({0, 0, 0, 1, 1});
    const QPalette& pal = strip.palette();
    for (int i = 0; i < 5; ++i) {
        const QColor text = pairTokens()[static_cast<std::size_t>(i)].special ? pal.color(QPalette::PlaceholderText)
                                                                              : pal.color(QPalette::Text);
        QVERIFY2(contrast(strip.chipColor(i), text) >= 3.0,
                 qPrintable(QString("token %1: contrast %2").arg(i).arg(contrast(strip.chipColor(i), text))));
    }
    // The chips follow the palette: dark chips on a dark window.
    QCOMPARE(strip.chipColor(1).lightness() < 128, dark);
}

void TestTokenStrip::pairRunInTheWindow() {
    QTemporaryDir settings;
    QVERIFY(test::isolateSettings(settings.path()));
    QString masked;
    for (const ui::DefaultModel& m : ui::defaultModels()) {
        if (!m.causal) masked = m.dir;
    }
    if (masked.isEmpty()) QSKIP("no bundled masked model (resources/models)");
    ui::MainWindow window;
    window.session()->setText(QStringLiteral("The cat sat."));
    window.session()->setPairText(QStringLiteral("It was tired."));
    window.session()->setPairEnabled(true);
    window.openModelFolder(masked);
    QTRY_VERIFY_WITH_TIMEOUT(window.session()->result() && !window.session()->isComputing(), 20000);
    const auto& types = window.session()->result()->trace->tokenTypeIds;
    QVERIFY(std::any_of(types.begin(), types.end(), [](int t) { return t == 1; }));
    ui::TokenStrip* strip = window.inputPanel()->tokenStrip();
    for (int i = 0; i < static_cast<int>(types.size()); ++i) {
        QCOMPARE(strip->segmentOf(i), types[static_cast<std::size_t>(i)] == 0 ? QStringLiteral("A") : QStringLiteral("B"));
    }
}

QTEST_MAIN(TestTokenStrip)
#include "test_token_strip.moc"
