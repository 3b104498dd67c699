// The window: input dock (with the predictions), view controls, the five
// views as tabs, the head statistics dock, menus, shortcuts and the status
// line. It only wires the pieces together: the run lives in SessionModel,
// what the views show in ViewState, the drawing in the views.
#pragma once

#include "attnviz/core/mask_mode.h"

#include <QMainWindow>
#include <QString>

#include <memory>

class QDockWidget;
class QMenu;
class QTabWidget;

namespace attnviz::ui {

class AnalysisPage;
class AppSettings;
class Banner;
class ComparePage;
class DifferencePage;
class HeadGridView;
class HeadStatsPanel;
class HeadView;
class InputPanel;
class LatestJob;
class ModelsWindow;
class HelpWindow;
class TourPanel;
class PlotView;
class SessionModel;
class StatusLine;
class ViewControls;
class ViewState;
class ViewTabs;
class WindowMenus;

struct StartOptions {
    QString modelDir;       // --model (a folder, a .gguf file or a listed name); empty: last model, else the embedded default
    QString tracePath;      // --trace: open this trace file instead of a model
    QString text;           // --text
    bool hasText = false;
    QString target;         // --target (encoder-decoder models), used with --text
    // First start (no model remembered, none asked for): list the models on
    // this computer and show the Models window when attnviz opens any.
    bool offerModelsOnFirstStart = false;
    // First start: show the tour (TourPanel) once.
    bool offerTourOnFirstStart = false;
};

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens the model and text chosen by the options, the settings and the
    // embedded default models (in that order).
    void start(const StartOptions& options);
    // A model folder or a .gguf file; a failed open keeps the open model.
    void openModelFolder(const QString& dir);
    // A trace file (docs/trace-format.md) in place of the model.
    void openTraceFile(const QString& path);
    // A path, or a name of the Models window's listing ("org/name",
    // "name:tag"), resolved on a worker thread.
    void openModelReference(const QString& reference);
    // File > Models...: created on first use, listing on first show.
    ModelsWindow* modelsWindow();
    void showModelsWindow();
    // The help window at page `topic` ("" = the page of the view on screen).
    HelpWindow* helpWindow();
    void showHelp(const QString& topic);
    // The tour, from its first step (created on first use).
    TourPanel* tour();
    void showTour();
    void exportCurrentView();

    SessionModel* session() const { return m_session; }
    ViewState* viewState() const { return m_state; }
    InputPanel* inputPanel() const { return m_input; }
    ViewControls* controls() const { return m_controls; }
    HeadView* headView() const;
    HeadGridView* overview() const;
    ComparePage* comparePage() const;
    DifferencePage* differencePage() const;
    AnalysisPage* analysisPage() const;
    HeadStatsPanel* headStatsPanel() const { return m_stats; }
    QMenu* modelsMenu() const;
    QTabWidget* tabs() const;
    PlotView* currentView() const;

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    // The config.json model_type values attnviz runs, for the empty window's hint.
    static QString supportedModelTypes();
    void buildDocks();
    void bindState();
    void wire();
    void wireSession();
    void restoreSettings();
    void rebuildModelMenus();
    void onResult();
    void onResultUpdated();
    void onModelChanged();
    void onTraceOpened();
    // The layer and head counts the controls and pages offer.
    void applyModelShape(int nLayers, int nHeads, core::MaskMode defaultMask);
    void saveSettings();

    std::unique_ptr<AppSettings> m_settings;
    SessionModel* m_session = nullptr;
    ViewState* m_state = nullptr;
    InputPanel* m_input = nullptr;
    ViewControls* m_controls = nullptr;
    ViewTabs* m_tabs = nullptr;
    HeadStatsPanel* m_stats = nullptr;
    QDockWidget* m_statsDock = nullptr;
    Banner* m_banner = nullptr;
    WindowMenus* m_menus = nullptr;
    StatusLine* m_status = nullptr;
    ModelsWindow* m_modelsWindow = nullptr;
    HelpWindow* m_helpWindow = nullptr;
    TourPanel* m_tour = nullptr;
    LatestJob* m_resolve = nullptr;  // --model NAME
};

}  // namespace attnviz::ui
