// The window's menus: File (open a folder or .gguf file, the Models window,
// recent models, export, quit), Models (the embedded default models and the
// Models window), View (the tabs, the head statistics dock, full
// screen) and Help (what am I looking at, the help pages, about). They only ask; the window decides (signals).
#pragma once

#include <QObject>
#include <QStringList>

class QAction;
class QMainWindow;
class QMenu;

namespace attnviz::ui {

class WindowMenus : public QObject {
    Q_OBJECT

public:
    // Fills `window`'s menu bar. `viewNames` are the View menu's tab entries
    // (Ctrl+1...); `statsToggle` shows and hides the head statistics dock.
    // Models and Open Recent stay empty until rebuildModelMenus.
    WindowMenus(QMainWindow* window, const QStringList& viewNames, QAction* statsToggle);

    QMenu* modelsMenu() const { return m_models; }
    // Models lists the embedded default models, the open one (`currentDir`,
    // "" for none) checked; File > Open Recent lists `recent`.
    void rebuildModelMenus(const QString& currentDir, const QStringList& recent);

signals:
    // A model folder or .gguf file.
    void openModelRequested(const QString& path);
    void modelsWindowRequested();
    void openTraceRequested(const QString& path);
    void exportRequested();
    void viewRequested(int index);
    // A help page: "" for the page of the view on screen (F1).
    void helpRequested(const QString& topic);
    void tourRequested();
    // View > Pin This Run (Ctrl+P): keep the run to compare the next with.
    void pinRequested();

private:
    void buildFileMenu();
    void buildViewMenu(const QStringList& viewNames, QAction* statsToggle);
    void buildHelpMenu();

    QMainWindow* m_window = nullptr;
    QMenu* m_recent = nullptr;
    QMenu* m_models = nullptr;
    QString m_currentDir;
};

}  // namespace attnviz::ui
