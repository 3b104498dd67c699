// The window: input dock (with the predictions), view controls, the five
// views as tabs, the head statistics dock, menus, shortcuts and the status
// line. It only wires the pieces together; the
// state lives in SessionModel and the drawing in the views.
#pragma once

#include "attnviz/ui/session/head_ref.h"

#include <QMainWindow>

class QActionGroup;
class QDockWidget;
class QLabel;
class QMenu;
class QProgressBar;
class QPushButton;
class QTabWidget;

namespace attnviz::ui {

class AnalysisPage;
class AppSettings;
class ComparePage;
class DifferencePage;
class HeadGridView;
class HeadStatsPanel;
class HeadView;
class InputPanel;
class PlotView;
class SessionModel;
class ViewControls;

struct StartOptions {
    QString modelDir;       // --model; empty: last model, else the embedded default
    QString text;           // --text
    bool hasText = false;
};

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens the model and text chosen by the options, the settings and the
    // embedded default models (in that order).
    void start(const StartOptions& options);
    void openModelFolder(const QString& dir);
    void exportCurrentView();

    SessionModel* session() const { return m_session; }
    InputPanel* inputPanel() const { return m_input; }
    ViewControls* controls() const { return m_controls; }
    HeadView* headView() const { return m_headView; }
    HeadGridView* overview() const { return m_overview; }
    ComparePage* comparePage() const { return m_compare; }
    DifferencePage* differencePage() const { return m_difference; }
    AnalysisPage* analysisPage() const { return m_analysis; }
    HeadStatsPanel* headStatsPanel() const { return m_stats; }
    QDockWidget* headStatsDock() const { return m_statsDock; }
    QMenu* modelsMenu() const { return m_modelsMenu; }
    QTabWidget* tabs() const { return m_tabs; }
    PlotView* currentView() const;
    // The message shown above the views ("" when none).
    QString bannerText() const;

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildMenus();
    void buildStatusBar();
    void wire();
    void rebuildModelMenus();
    void setHead(HeadRef head);
    void setHighlight(int token);
    void showBanner(const QString& text, bool error);
    void onResult();
    void onResultUpdated();
    void onModelChanged();
    void saveSettings();
    std::vector<PlotView*> views() const;

    std::unique_ptr<AppSettings> m_settings;
    SessionModel* m_session = nullptr;
    InputPanel* m_input = nullptr;
    ViewControls* m_controls = nullptr;
    QTabWidget* m_tabs = nullptr;
    HeadView* m_headView = nullptr;
    HeadGridView* m_overview = nullptr;
    ComparePage* m_compare = nullptr;
    DifferencePage* m_difference = nullptr;
    AnalysisPage* m_analysis = nullptr;
    HeadStatsPanel* m_stats = nullptr;
    QDockWidget* m_statsDock = nullptr;
    QLabel* m_banner = nullptr;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_modelsMenu = nullptr;
    QLabel* m_modelLabel = nullptr;
    QLabel* m_tokensLabel = nullptr;
    QLabel* m_timeLabel = nullptr;
    QLabel* m_maskLabel = nullptr;
    QProgressBar* m_progress = nullptr;
    QPushButton* m_cancelLoad = nullptr;
};

}  // namespace attnviz::ui
