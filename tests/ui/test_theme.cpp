// The dark theme (issue 21): every figure and widget text takes its colour
// from the palette, so a dark palette gives dark figures with readable text,
// and switching the theme redraws the open views.
#include "ui_fixture.h"

#include "support/test_settings.h"

#include "attnviz/ui/plot/figure_colors.h"
#include "attnviz/ui/views/head_grid_view.h"
#include "attnviz/ui/views/head_view.h"
#include "attnviz/ui/window/main_window.h"
#include "attnviz/ui/window/theme.h"
#include "support/verify_result.h"

#include <QLabel>
#include <QToolBar>
#include <QToolButton>
#include <QMenu>
#include <QMenuBar>
#include <QSettings>
#include <QtTest>
#include <qcustomplot.h>

using namespace attnviz;

namespace {

// WCAG relative luminance and contrast ratio.
double luminance(const QColor& c) {
    const auto channel = [](double v) { return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
}

double contrast(const QColor& a, const QColor& b) {
    const double la = luminance(a) + 0.05;
    const double lb = luminance(b) + 0.05;
    return std::max(la, lb) / std::min(la, lb);
}

// Every axis and text element of the canvas reads against its background.
void checkCanvasReadable(QCustomPlot* plot, const QColor& background) {
    int checked = 0;
    for (QCPLayoutElement* e : plot->plotLayout()->elements(true)) {
        QList<QCPAxis*> axes;
        if (auto* rect = qobject_cast<QCPAxisRect*>(e)) axes = rect->axes();
        if (auto* scale = qobject_cast<QCPColorScale*>(e)) axes = {scale->axis()};
        for (QCPAxis* a : axes) {
            if (!a->visible()) continue;
            QVERIFY2(contrast(a->tickLabelColor(), background) >= 4.5, qPrintable(a->tickLabelColor().name()));
            QVERIFY2(contrast(a->labelColor(), background) >= 4.5, qPrintable(a->labelColor().name()));
            ++checked;
        }
        if (auto* text = qobject_cast<QCPTextElement*>(e); text && !text->text().isEmpty()) {
            QVERIFY2(contrast(text->textColor(), background) >= 4.5, qPrintable(text->text()));
            ++checked;
        }
    }
    QVERIFY(checked >= 3);
}

}  // namespace

class TestTheme : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(test::isolateSettings(m_settings.path())); }
    void init() { ui::applyTheme(ui::Theme::Light); }
    void figureColorsFollowThePalette();
    void viewsRedrawOnThemeChange();
    void textRolesReadable();
    void themeMenuRemembered();
    void toolbarExtensionReadable();

private:
    QTemporaryDir m_settings;
    QTemporaryDir m_tmp;
};

void TestTheme::figureColorsFollowThePalette() {
    for (ui::Theme theme : {ui::Theme::Light, ui::Theme::Dark}) {
        ui::applyTheme(theme);
        const QPalette pal = QApplication::palette();
        const ui::FigureColors c = ui::figureColors(pal);
        QCOMPARE(c.dark, theme == ui::Theme::Dark);
        QCOMPARE(ui::isDarkPalette(pal), theme == ui::Theme::Dark);
        for (const QColor& fg : {c.text, c.subtitle, c.formula, c.axisLabel, c.muted, c.warning, c.error}) {
            QVERIFY2(contrast(fg, c.background) >= 4.5, qPrintable(fg.name() + QStringLiteral(" on ") + c.background.name()));
        }
        // Masked cells are told apart from the background.
        QVERIFY(contrast(c.masked, c.background) >= 1.3);
        QVERIFY(contrast(c.minusInfinity, c.background) >= 1.05);
    }
}

void TestTheme::viewsRedrawOnThemeChange() {
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-gpt2"));
    ATTNVIZ_UNWRAP(result, test::runIds(model, {4, 9, 16, 25, 36}));
    ui::HeadView head;
    ui::HeadGridView grid;
    for (ui::PlotView* v : {static_cast<ui::PlotView*>(&head), static_cast<ui::PlotView*>(&grid)}) {
        v->resize(700, 600);
        v->show();
        QVERIFY(QTest::qWaitForWindowExposed(v));
        v->setResult(result);
    }
    head.setHead({1, 0});
    ui::applyTheme(ui::Theme::Dark);
    QCoreApplication::processEvents();
    const QColor darkBase = QApplication::palette().color(QPalette::Base);
    for (ui::PlotView* v : {static_cast<ui::PlotView*>(&head), static_cast<ui::PlotView*>(&grid)}) {
        auto* plot = v->findChild<QCustomPlot*>();
        QVERIFY(plot != nullptr);
        checkCanvasReadable(plot, darkBase);
        // The exported image is the figure as shown: its corner is the dark background.
        const QImage image = v->renderImage(QSize(500, 400), 1.0);
        QCOMPARE(QColor(image.pixel(2, 2)), darkBase);
    }
    // The cells are still the trace's.
    QCOMPARE(test::cellAt(head.colorMap(), 3, 1), static_cast<double>(result->trace->prob(1, 0, 3, 1)));

    ui::applyTheme(ui::Theme::Light);
    QCoreApplication::processEvents();
    checkCanvasReadable(head.findChild<QCustomPlot*>(), Qt::white);
    QCOMPARE(QColor(head.renderImage(QSize(500, 400), 1.0).pixel(2, 2)), QColor(Qt::white));
}

void TestTheme::textRolesReadable() {
    for (ui::Theme theme : {ui::Theme::Light, ui::Theme::Dark}) {
        ui::applyTheme(theme);
        QWidget window;
        auto* muted = new QLabel(QStringLiteral("note"), &window);
        auto* warning = new QLabel(QStringLiteral("mask"), &window);
        ui::setTextRole(muted, ui::TextRole::Muted);
        ui::setTextRole(warning, ui::TextRole::Warning);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const QColor bg = window.palette().color(QPalette::Window);
        const ui::FigureColors c = ui::figureColors();
        QCOMPARE(muted->palette().color(QPalette::WindowText).rgb(), c.muted.rgb());
        QCOMPARE(warning->palette().color(QPalette::WindowText).rgb(), c.warning.rgb());
        QVERIFY(contrast(c.muted, bg) >= 4.5);
        QVERIFY(contrast(c.warning, bg) >= 3.0);
        // A role may change at any time (the status line's mask).
        ui::setTextRole(warning, ui::TextRole::Normal);
        QCOMPARE(warning->palette().color(QPalette::WindowText), window.palette().color(QPalette::WindowText));
    }
}

void TestTheme::themeMenuRemembered() {
    QSettings("attnviz", "attnviz").clear();
    ui::MainWindow window;
    QMenu* menu = window.menuBar()->findChild<QMenu*>(QStringLiteral("themeMenu"));
    QVERIFY(menu != nullptr);
    QAction* chosen = nullptr;
    for (QAction* a : menu->actions()) {
        if (a->objectName() == QLatin1String("theme-dark")) chosen = a;
    }
    QVERIFY(chosen != nullptr);
    chosen->trigger();
    QCOMPARE(ui::currentTheme(), ui::Theme::Dark);
    QCOMPARE(ui::savedTheme(), ui::Theme::Dark);
    QVERIFY(ui::isDarkPalette(QApplication::palette()));
    QSettings("attnviz", "attnviz").clear();
    QCOMPARE(ui::savedTheme(), ui::Theme::System);
}

void TestTheme::toolbarExtensionReadable() {
    // The toolbar's extension button (the controls that do not fit a narrow
    // window) draws its arrows in the palette's text colour in both themes.
    ui::MainWindow window;
    window.resize(900, 600);
    window.show();
    auto* toolbar = window.findChild<QToolBar*>(QStringLiteral("viewToolbar"));
    QVERIFY(toolbar != nullptr);
    auto* button = toolbar->findChild<QToolButton*>(QStringLiteral("qt_toolbar_ext_button"));
    QVERIFY(button != nullptr);
    for (ui::Theme theme : {ui::Theme::Dark, ui::Theme::Light}) {
        ui::applyTheme(theme);
        QVERIFY(QTest::qWaitFor([&] {
            const QImage icon = button->icon().pixmap(QSize(12, 12)).toImage();
            const QColor background = toolbar->palette().color(QPalette::Window);
            double best = 0;
            for (int y = 0; y < icon.height(); ++y) {
                for (int x = 0; x < icon.width(); ++x) {
                    const QColor c = icon.pixelColor(x, y);
                    if (c.alpha() > 200) best = std::max(best, contrast(c, background));
                }
            }
            return best >= 4.5;
        }, 2000));
    }
}

QTEST_MAIN(TestTheme)
#include "test_theme.moc"
