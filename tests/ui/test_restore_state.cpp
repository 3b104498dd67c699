// What a restart restores: the head (layer and head), the open tab and the
// mask of the last session; a head the next model does not have is clamped
// into it, and a garbled setting is ignored.
#include "ui_fixture.h"
#include "support/test_settings.h"
#include "support/verify_result.h"

#include "attnviz/ui/session/session_model.h"
#include "attnviz/ui/window/main_window.h"
#include "panels/input_panel.h"
#include "panels/view_controls.h"
#include "window/view_state.h"

#include <QPlainTextEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace attnviz;

class TestRestoreState : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void headTabAndMaskComeBack();
    void headIsClampedAndGarbageIgnored();

private:
    // A window showing the fixture's run (the settings' state restored).
    std::unique_ptr<ui::MainWindow> openWindow();

    QTemporaryDir m_settings;
    QTemporaryDir m_tmp;
    QString m_model;
};

void TestRestoreState::initTestCase() {
    QVERIFY(test::isolateSettings(m_settings.path()));
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-gpt2"));  // 2 layers x 2 heads
    m_model = model.dir;
}

std::unique_ptr<ui::MainWindow> TestRestoreState::openWindow() {
    auto window = std::make_unique<ui::MainWindow>();
    QSignalSpy ready(window->session(), &ui::SessionModel::resultReady);
    window->inputPanel()->textEdit()->setPlainText(QStringLiteral("5 17 2 33"));
    window->openModelFolder(m_model);
    if (!ready.wait(10000)) return nullptr;
    return window;
}

void TestRestoreState::headTabAndMaskComeBack() {
    QSettings(QStringLiteral("attnviz"), QStringLiteral("attnviz")).clear();
    {
        auto window = openWindow();
        QVERIFY(window);
        // A fresh start: head L0 H0, the first tab, the model's own mask.
        QCOMPARE(window->viewState()->head(), ui::HeadRef({0, 0}));
        QCOMPARE(window->tabs()->currentIndex(), 0);
        QCOMPARE(window->session()->mask(), core::MaskMode{});
        window->viewState()->setHead({1, 1});
        window->tabs()->setCurrentIndex(3);
        QSignalSpy ready(window->session(), &ui::SessionModel::resultReady);
        window->controls()->setMask(core::MaskMode::bidirectional());
        emit window->controls()->maskChanged(core::MaskMode::bidirectional());
        QVERIFY(ready.wait(10000));
    }
    auto again = openWindow();
    QVERIFY(again);
    QCOMPARE(again->viewState()->head(), ui::HeadRef({1, 1}));
    QCOMPARE(again->tabs()->currentIndex(), 3);
    QCOMPARE(again->session()->mask(), core::MaskMode::bidirectional());
    QCOMPARE(again->controls()->mask(), core::MaskMode::bidirectional());
    QCOMPARE(again->session()->result()->trace->mask(), core::MaskMode::bidirectional());  // and the run used it
}

void TestRestoreState::headIsClampedAndGarbageIgnored() {
    QSettings(QStringLiteral("attnviz"), QStringLiteral("attnviz")).clear();
    QSettings s(QStringLiteral("attnviz"), QStringLiteral("attnviz"));
    s.setValue("view/head", "7:9");  // the fixture has 2 layers x 2 heads
    s.setValue("view/tab", 42);
    s.setValue("view/mask", "sideways");
    s.sync();
    auto window = openWindow();
    QVERIFY(window);
    const ui::HeadRef head = window->viewState()->head();
    QVERIFY(head.layer <= 1 && head.head <= 1);
    QCOMPARE(window->tabs()->currentIndex(), 0);
    QCOMPARE(window->session()->mask(), core::MaskMode{});
}

QTEST_MAIN(TestRestoreState)
#include "test_restore_state.moc"
