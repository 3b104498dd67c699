// Help > Keyboard Shortcuts (every shortcut of the window's actions, read
// from the actions themselves, plus the views' own keys) and Help > About
// (version, licences of attnviz and what it is built on, and the cards of
// the bundled models).
#pragma once

#include <QDialog>

class QMainWindow;
class QTableWidget;
class QTextBrowser;

namespace attnviz::ui {

class ShortcutsDialog : public QDialog {
    Q_OBJECT

public:
    explicit ShortcutsDialog(QMainWindow* window);
    QTableWidget* table() const { return m_table; }

private:
    QTableWidget* m_table = nullptr;
};

class AboutDialog : public QDialog {
    Q_OBJECT

public:
    explicit AboutDialog(QWidget* parent);
    QTextBrowser* browser() const { return m_browser; }

private:
    QTextBrowser* m_browser = nullptr;
};

}  // namespace attnviz::ui
