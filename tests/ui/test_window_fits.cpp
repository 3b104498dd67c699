// The window fits a 1280 x 800 screen with Qt's and KDE's default fonts (9
// and 10 pt) and a 1366-pixel one with GNOME's larger 11 pt: its
// minimum width leaves room for every dock, tab and toolbar, with a
// decoder-only model and with an encoder-decoder one (whose toolbar adds the
// Attention box). A failure names the widgets that are too wide.
#include "support/fixture_models.h"
#include "support/test_settings.h"
#include "support/verify_result.h"

#include "attnviz/ui/session/session_model.h"
#include "attnviz/ui/window/main_window.h"
#include "panels/input_panel.h"

#include <QApplication>
#include <QPlainTextEdit>
#include <QtTest>

using namespace attnviz;

namespace {


// "ClassName 'objectName' 812" for each widget wider than `limit` at
// its minimum, the widest first.
QString tooWide(const QWidget& root, int limit) {
    QList<QPair<int, QString>> found;
    for (const QWidget* w : root.findChildren<QWidget*>()) {
        // Visible ones, and every tab's page (the tab widget is as wide as its widest).
        const bool page = w->parentWidget() && w->parentWidget()->objectName() == QLatin1String("qt_tabwidget_stackedwidget");
        if (!w->isVisibleTo(&root) && !page) continue;
        const int min = std::max(w->minimumSizeHint().width(), w->minimumWidth());
        if (min > limit) {
            found.append({min, QStringLiteral("%1 '%2' %3").arg(w->metaObject()->className(), w->objectName()).arg(min)});
        }
    }
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    QStringList lines;
    for (const auto& f : found) lines << f.second;
    return lines.join(QStringLiteral("; "));
}

}  // namespace

class TestWindowFits : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(test::isolateSettings(m_settings.path())); }
    void fitsALaptopScreen_data();
    void fitsALaptopScreen();

private:
    QTemporaryDir m_settings;
    QTemporaryDir m_tmp;
};

void TestWindowFits::fitsALaptopScreen_data() {
    QTest::addColumn<double>("points");
    QTest::addColumn<int>("screenWidth");
    QTest::addColumn<QString>("preset");
    // Qt's and KDE's default fonts on a 1280-pixel screen, GNOME's (11 pt)
    // on a 1366-pixel one.
    for (const auto& [points, width] : {std::pair{9.0, 1280}, {10.0, 1280}, {11.0, 1366}}) {
        for (const char* preset : {"", "tiny-llama", "tiny-t5"}) {
            QTest::newRow(qPrintable(QStringLiteral("%1 pt on %2 px %3").arg(points).arg(width).arg(*preset ? preset : "no model")))
                << points << width << QString::fromLatin1(preset);
        }
    }
}

void TestWindowFits::fitsALaptopScreen() {
    QFETCH(double, points);
    QFETCH(int, screenWidth);
    QFETCH(QString, preset);
    const QFont original = QApplication::font();
    QFont font = original;
    font.setPointSizeF(points);
    QApplication::setFont(font);
    {
        ui::MainWindow window;
        if (!preset.isEmpty()) {
            ATTNVIZ_UNWRAP(dir, test::writeFixture(m_tmp, preset.toStdString()));
            window.inputPanel()->textEdit()->setPlainText(QStringLiteral("3 9 4 1 5"));
            window.openModelFolder(QString::fromStdString(dir.string()));
            QVERIFY(QTest::qWaitFor([&] { return window.session()->result() && !window.session()->isComputing(); }, 30000));
        }
        window.resize(screenWidth, 800);
        window.show();
        QCoreApplication::processEvents();
        const int min = window.minimumSizeHint().width();
        QVERIFY2(min <= screenWidth && window.width() <= screenWidth,
                 qPrintable(QStringLiteral("minimum width %1, width %2 at %3 pt; too wide: %4")
                                .arg(min).arg(window.width()).arg(points).arg(tooWide(window, qEnvironmentVariableIntValue("TOOWIDE") > 0 ? qEnvironmentVariableIntValue("TOOWIDE") : 420))));
    }
    QApplication::setFont(original);
}

QTEST_MAIN(TestWindowFits)
#include "test_window_fits.moc"
