// Figure texts wrapped to a width: every line fits (unless one word is wider
// than the line), no word is lost, and titles break between phrases ("L3 H0,
// L3 H3" after the comma) rather than inside a head's name.
#include "plot/plot_canvas.h"
#include "plot/wrap_text.h"

#include <QFontMetrics>
#include <QtTest>

using namespace attnviz;

namespace {

QString joined(const QString& wrapped) { return QString(wrapped).replace(QLatin1Char('\n'), QLatin1Char(' ')); }

void verifyLinesFit(const QString& wrapped, const QFont& font, int width) {
    const QFontMetrics fm(font);
    for (const QString& line : wrapped.split(QLatin1Char('\n'))) {
        QVERIFY2(fm.horizontalAdvance(line) <= width || !line.contains(QLatin1Char(' ')), qPrintable(line));
    }
}

}  // namespace

class TestWrapText : public QObject {
    Q_OBJECT

private slots:
    void textThatFitsStays();
    void titlesBreakBetweenPhrases();
    void longPhrasesBreakBetweenWords();
    void proseFillsItsLines();
};

void TestWrapText::textThatFitsStays() {
    const QFont font = ui::PlotCanvas::font(15, true);
    const QString text = QStringLiteral("gpt2 ·  L0 H0");  // two spaces kept
    QCOMPARE(ui::wrapText(text, font, 2000, ui::WrapAt::Phrases), text);
    QCOMPARE(ui::wrapText(text, font, 2000), text);
}

void TestWrapText::titlesBreakBetweenPhrases() {
    const QFont font = ui::PlotCanvas::font(15, true);
    const QString title = QStringLiteral("attnviz-gpt2-gutenberg · L0 H0, L0 H1, L1 H0, L1 H1, L2 H2, L2 H3, L3 H0, L3 H3");
    const QFontMetrics fm(font);
    for (int width : {590, 400, 250, 120}) {
        const QString wrapped = ui::wrapText(title, font, width, ui::WrapAt::Phrases);
        QVERIFY(wrapped.contains(QLatin1Char('\n')));
        QCOMPARE(joined(wrapped), title);
        verifyLinesFit(wrapped, font, width);
        for (const QString& line : wrapped.split(QLatin1Char('\n'))) {
            // Each line is whole phrases: it starts with a head's "L" or the
            // model's name or "·", and never ends inside "Lx Hy".
            QVERIFY2(!line.endsWith(QLatin1Char('L')) && !QRegularExpression(QStringLiteral("L\\d$")).match(line).hasMatch(),
                     qPrintable(line));
        }
    }
    // Word wrap, for comparison, does split a head's name at this width.
    QVERIFY(QRegularExpression(QStringLiteral("L\\d\\n")).match(ui::wrapText(title, font, 590)).hasMatch());
}

void TestWrapText::longPhrasesBreakBetweenWords() {
    const QFont font = ui::PlotCanvas::font(12, true);
    const QString title = QStringLiteral("B: causal (model's own mask, as trained)");
    const QString wrapped = ui::wrapText(title, font, 90, ui::WrapAt::Phrases);
    QVERIFY(wrapped.count(QLatin1Char('\n')) >= 2);
    QCOMPARE(joined(wrapped), title);
    verifyLinesFit(wrapped, font, 90);
    // A word wider than the line gets a line of its own.
    const QString word = QStringLiteral("supercalifragilistic x");
    QCOMPARE(ui::wrapText(word, font, 30, ui::WrapAt::Phrases), QStringLiteral("supercalifragilistic\nx"));
}

void TestWrapText::proseFillsItsLines() {
    // Subtitles and formulas wrap by words: commas do not end lines early.
    const QFont font = ui::PlotCanvas::font(11);
    const QString prose = QStringLiteral("a unit's row is the mean over its query tokens of the weight its key tokens get, "
                                         "divided by the row's weight on matched units");
    const int width = QFontMetrics(font).horizontalAdvance(QStringLiteral("a unit's row is the mean over its query tokens of the weight its key tokens get, divided"));
    const QString wrapped = ui::wrapText(prose, font, width);
    QCOMPARE(wrapped.split(QLatin1Char('\n')).first(),
             QStringLiteral("a unit's row is the mean over its query tokens of the weight its key tokens get, divided"));
    QCOMPARE(joined(wrapped), prose);
}

QTEST_MAIN(TestWrapText)
#include "test_wrap_text.moc"
