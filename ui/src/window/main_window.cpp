#include "attnviz/ui/window/main_window.h"

#include "attnviz/ui/export/exporters.h"
#include "attnviz/ui/session/session_model.h"
#include "attnviz/ui/views/analysis_view.h"
#include "attnviz/ui/views/compare_view.h"
#include "attnviz/ui/views/difference_view.h"
#include "attnviz/ui/views/head_grid_view.h"
#include "attnviz/ui/views/head_view.h"
#include "panels/analysis_page.h"
#include "panels/compare_page.h"
#include "panels/difference_page.h"
#include "panels/head_stats_panel.h"
#include "panels/input_panel.h"
#include "panels/predictions_panel.h"
#include "panels/token_strip.h"
#include "panels/view_controls.h"
#include "window/app_settings.h"
#include "window/default_models.h"
#include "window/export_dialog.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QScreen>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>
#include <QVBoxLayout>

namespace attnviz::ui {
namespace {

const char* kFirstText = "The cat sat on the mat because it was tired.";

QString localDirFromMime(const QMimeData* mime) {
    if (mime == nullptr || !mime->hasUrls() || mime->urls().isEmpty()) return {};
    const QUrl url = mime->urls().first();
    if (!url.isLocalFile()) return {};
    const QFileInfo info(url.toLocalFile());
    if (info.isDir()) return info.absoluteFilePath();
    // A file inside a model folder (config.json, model.safetensors) opens its folder.
    if (info.isFile()) return info.absolutePath();
    return {};
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), m_settings(std::make_unique<AppSettings>()) {
    setWindowTitle(QStringLiteral("attnviz"));
    setAcceptDrops(true);
    m_session = new SessionModel(this);

    m_input = new InputPanel(this);
    auto* inputDock = new QDockWidget(tr("Input"), this);
    inputDock->setObjectName(QStringLiteral("inputDock"));
    inputDock->setWidget(m_input);
    inputDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    // On the left: the square heatmaps get the window's full height.
    addDockWidget(Qt::LeftDockWidgetArea, inputDock);

    m_controls = new ViewControls(this);
    auto* toolbar = new QToolBar(tr("View"), this);
    toolbar->setObjectName(QStringLiteral("viewToolbar"));
    toolbar->setMovable(true);
    toolbar->addWidget(m_controls);
    addToolBar(Qt::TopToolBarArea, toolbar);

    m_headView = new HeadView(this);
    m_overview = new HeadGridView(this);
    m_compare = new ComparePage(this);
    m_difference = new DifferencePage(this);
    m_analysis = new AnalysisPage(this);
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("viewTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_headView, tr("Head"));
    m_tabs->addTab(m_overview, tr("Overview"));
    m_tabs->addTab(m_compare, tr("Compare"));
    m_tabs->addTab(m_difference, tr("Difference"));
    m_tabs->addTab(m_analysis, tr("Aggregates"));
    m_tabs->setTabToolTip(4, tr("Attention rollout, value-weighted norms, means and maxima over heads and layers, "
                                "each with its formula"));

    // Head statistics on the right, next to whatever view is open: selecting
    // a row shows that head, hovering a thumbnail marks its row.
    m_stats = new HeadStatsPanel(this);
    m_statsDock = new QDockWidget(tr("Heads"), this);
    m_statsDock->setObjectName(QStringLiteral("headStatsDock"));
    m_statsDock->setWidget(m_stats);
    m_statsDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                             QDockWidget::DockWidgetClosable);
    addDockWidget(Qt::RightDockWidgetArea, m_statsDock);

    m_banner = new QLabel(this);
    m_banner->setObjectName(QStringLiteral("banner"));
    m_banner->setWordWrap(true);
    m_banner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_banner->setVisible(false);
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_banner);
    layout->addWidget(m_tabs, 1);
    setCentralWidget(central);

    resizeDocks({inputDock, m_statsDock}, {300, 390}, Qt::Horizontal);
    buildMenus();
    buildStatusBar();
    wire();

    const ViewStyle style = m_settings->viewStyle();
    m_controls->setViewStyle(style);
    m_controls->setShowSteps(m_settings->showSteps());
    m_headView->setShowSteps(m_settings->showSteps());
    for (PlotView* v : views()) v->setViewStyle(style);
    if (auto kind = analysisKindFromName(m_settings->analysisKind())) m_analysis->setKind(*kind);
    m_input->predictionsPanel()->setPredictionsWanted(m_settings->predictionsWanted());
    RunFeatures features;
    features.predictions = m_settings->predictionsWanted();
    m_session->setFeatures(features);

    // First start: most of the screen, at least 1280x800 where the screen allows.
    if (const QScreen* screen = QGuiApplication::primaryScreen()) {
        const QSize available = screen->availableSize();
        const QSize wanted = (available * 0.85).expandedTo(QSize(1280, 800)).boundedTo(available);
        resize(wanted);
    } else {
        resize(1280, 800);
    }
    if (const QByteArray g = m_settings->windowGeometry(); !g.isEmpty()) restoreGeometry(g);
    if (const QByteArray s = m_settings->windowState(); !s.isEmpty()) restoreState(s);
}

MainWindow::~MainWindow() = default;

std::vector<PlotView*> MainWindow::views() const {
    return {m_headView, m_overview, m_compare->view(), m_difference->view(), m_analysis->view()};
}

PlotView* MainWindow::currentView() const {
    QWidget* w = m_tabs->currentWidget();
    if (w == m_compare) return m_compare->view();
    if (w == m_difference) return m_difference->view();
    if (w == m_analysis) return m_analysis->view();
    return qobject_cast<PlotView*>(w);
}

QString MainWindow::bannerText() const { return m_banner->isVisible() ? m_banner->text() : QString(); }

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open Model Folder..."), this, [this] {
        const QString start = m_session->model().isValid() ? QFileInfo(m_session->model().dir).absolutePath() : QDir::homePath();
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a model folder (config.json + model.safetensors)"), start);
        if (!dir.isEmpty()) openModelFolder(dir);
    });
    open->setShortcut(QKeySequence::Open);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    m_modelsMenu = menuBar()->addMenu(tr("&Models"));
    file->addSeparator();
    QAction* exportAction = file->addAction(tr("&Export View..."), this, &MainWindow::exportCurrentView);
    exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));

    QMenu* view = menuBar()->addMenu(tr("&View"));
    const QStringList names{tr("&Head"), tr("&Overview"), tr("&Compare"), tr("&Difference"), tr("&Aggregates")};
    for (int i = 0; i < names.size(); ++i) {
        QAction* a = view->addAction(names[i], this, [this, i] { m_tabs->setCurrentIndex(i); });
        a->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + i)));
    }
    view->addSeparator();
    QAction* statsToggle = m_statsDock->toggleViewAction();
    statsToggle->setText(tr("Head &Statistics"));
    statsToggle->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    view->addAction(statsToggle);
    view->addSeparator();
    QAction* full = view->addAction(tr("&Full Screen"), this, [this] { isFullScreen() ? showNormal() : showFullScreen(); });
    full->setShortcut(QKeySequence(Qt::Key_F11));

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About attnviz"), this, [this] {
        QMessageBox::about(this, tr("About attnviz"),
                           tr("<b>attnviz</b> shows the attention of every layer and head of a transformer as you "
                              "type.<br><br>Layers and heads are numbered from 0 everywhere (window, "
                              "attnviz-cli, exports). Rows are queries, columns are keys.<br>Hover a cell for its "
                              "value, click a token to highlight its row and column, scroll to zoom, drag to pan, "
                              "double-click to reset."));
    });
    rebuildModelMenus();
}

void MainWindow::buildStatusBar() {
    m_modelLabel = new QLabel(tr("no model"), this);
    m_tokensLabel = new QLabel(this);
    m_timeLabel = new QLabel(this);
    m_maskLabel = new QLabel(this);
    m_maskLabel->setObjectName(QStringLiteral("maskStatus"));
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 100);
    m_progress->setMaximumWidth(160);
    m_progress->setVisible(false);
    m_cancelLoad = new QPushButton(tr("Cancel"), this);
    m_cancelLoad->setVisible(false);
    m_cancelLoad->setShortcut(QKeySequence(Qt::Key_Escape));
    for (QLabel* l : {m_maskLabel, m_modelLabel, m_tokensLabel, m_timeLabel}) l->setContentsMargins(10, 0, 10, 0);
    statusBar()->setStyleSheet(QStringLiteral("QStatusBar::item { border: none; }"));
    for (QWidget* w : std::initializer_list<QWidget*>{m_progress, m_cancelLoad, m_maskLabel, m_modelLabel, m_tokensLabel, m_timeLabel}) {
        statusBar()->addPermanentWidget(w);
    }
    connect(m_cancelLoad, &QPushButton::clicked, m_session, &SessionModel::cancelLoad);
}

void MainWindow::rebuildModelMenus() {
    m_modelsMenu->clear();
    const auto defaults = defaultModels();
    if (defaults.empty()) {
        QAction* none = m_modelsMenu->addAction(tr("No embedded models found"));
        none->setEnabled(false);
    }
    const QString current = m_session->model().isValid() ? QDir::cleanPath(m_session->model().dir) : QString();
    auto* group = new QActionGroup(m_modelsMenu);
    for (const DefaultModel& m : defaults) {
        const QString label = QStringLiteral("%1  (%2, %3)").arg(m.name, m.modelType, m.causal ? tr("causal") : tr("masked LM"));
        QAction* a = m_modelsMenu->addAction(label, this, [this, dir = m.dir] { openModelFolder(dir); });
        a->setCheckable(true);
        a->setChecked(QDir::cleanPath(m.dir) == current);
        a->setToolTip(QDir::toNativeSeparators(m.dir));
        a->setData(m.dir);
        group->addAction(a);
    }
    m_modelsMenu->addSeparator();
    m_modelsMenu->addAction(tr("Open Folder..."), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a model folder"), QDir::homePath());
        if (!dir.isEmpty()) openModelFolder(dir);
    });

    m_recentMenu->clear();
    const QStringList recent = m_settings->recentModels();
    for (const QString& dir : recent) {
        m_recentMenu->addAction(dir, this, [this, dir] { openModelFolder(dir); });
    }
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::wire() {
    connect(m_input, &InputPanel::textChanged, m_session, &SessionModel::setText);
    connect(m_input, &InputPanel::pairTextChanged, m_session, &SessionModel::setPairText);
    connect(m_input, &InputPanel::pairEnabledChanged, m_session, &SessionModel::setPairEnabled);

    connect(m_controls, &ViewControls::headChanged, this, &MainWindow::setHead);
    connect(m_headView, &HeadView::headChanged, this, &MainWindow::setHead);
    connect(m_controls, &ViewControls::maskChanged, m_session, &SessionModel::setMask);
    connect(m_controls, &ViewControls::viewStyleChanged, this, [this](const ViewStyle& style) {
        for (PlotView* v : views()) v->setViewStyle(style);
        m_settings->setViewStyle(style);
    });
    connect(m_controls, &ViewControls::showStepsChanged, this, [this](bool show) {
        m_headView->setShowSteps(show);
        m_settings->setShowSteps(show);
    });
    connect(m_overview, &HeadGridView::headActivated, this, [this](HeadRef h) {
        setHead(h);
        m_tabs->setCurrentWidget(m_headView);
    });
    connect(m_overview, &HeadGridView::headAddedToCompare, this, [this](HeadRef h) {
        m_compare->addHead(h);
        statusBar()->showMessage(tr("%1 added to Compare").arg(h.label()), 3000);
    });
    connect(m_compare, &ComparePage::addCurrentRequested, this, [this] { m_compare->addHead(m_controls->head()); });
    connect(m_compare, &ComparePage::headsChanged, this, [this](const std::vector<HeadRef>& heads) {
        if (heads.size() >= 2) m_difference->view()->setHeads(heads[0], heads[1]);
    });

    for (PlotView* v : views()) {
        connect(v, &PlotView::tokenClicked, this, &MainWindow::setHighlight);
        connect(v, &PlotView::hoverText, this, [this](const QString& text) {
            if (text.isEmpty()) {
                statusBar()->clearMessage();
            } else {
                statusBar()->showMessage(text);
            }
        });
    }
    connect(m_input->tokenStrip(), &TokenStrip::tokenClicked, this, &MainWindow::setHighlight);

    connect(m_stats, &HeadStatsPanel::headSelected, this, [this](HeadRef h) {
        setHead(h);
        // Tabs that do not show one chosen head switch to the head view.
        QWidget* tab = m_tabs->currentWidget();
        const bool followsHead = tab == m_headView || tab == m_difference ||
                                 (tab == m_analysis && analysisUsesHead(m_analysis->view()->kind()));
        if (!followsHead) m_tabs->setCurrentWidget(m_headView);
    });
    connect(m_overview, &HeadGridView::headHovered, m_stats, &HeadStatsPanel::setHoveredHead);
    connect(m_analysis, &AnalysisPage::kindChanged, this,
            [this](AnalysisKind kind) { m_settings->setAnalysisKind(analysisKindName(kind)); });
    PredictionsPanel* predictions = m_input->predictionsPanel();
    connect(predictions, &PredictionsPanel::predictionsWantedChanged, this, [this](bool wanted) {
        RunFeatures features = m_session->features();
        features.predictions = wanted;
        m_session->setFeatures(features);
        m_settings->setPredictionsWanted(wanted);
    });
    connect(predictions, &PredictionsPanel::exampleRequested, this, [this](const QString& text) {
        m_input->setText(text);
        m_session->recompute();
    });

    connect(m_session, &SessionModel::resultReady, this, &MainWindow::onResult);
    connect(m_session, &SessionModel::resultUpdated, this, &MainWindow::onResultUpdated);
    connect(m_session, &SessionModel::computeStarted, this, [this] { m_timeLabel->setText(tr("computing...")); });
    connect(m_session, &SessionModel::computeFailed, this, [this](const QString& message) {
        showBanner(tr("Could not compute: %1 (the picture below is the last good result)").arg(message), true);
        m_timeLabel->clear();
    });
    connect(m_session, &SessionModel::inputNeeded, this, [this](const QString& hint) {
        showBanner(hint, false);
        m_timeLabel->clear();
    });
    connect(m_session, &SessionModel::loadStarted, this, [this](const QString& dir) {
        m_progress->setValue(0);
        m_progress->setVisible(true);
        m_cancelLoad->setVisible(true);
        statusBar()->showMessage(tr("Loading %1 ...").arg(QDir::toNativeSeparators(dir)));
    });
    connect(m_session, &SessionModel::loadProgress, m_progress, &QProgressBar::setValue);
    const auto loadDone = [this] {
        m_progress->setVisible(false);
        m_cancelLoad->setVisible(false);
        statusBar()->clearMessage();
    };
    connect(m_session, &SessionModel::loadFailed, this, [this, loadDone](const QString& dir, const QString& message) {
        loadDone();
        m_settings->removeRecentModel(dir);
        rebuildModelMenus();
        showBanner(tr("Could not open %1: %2").arg(QDir::toNativeSeparators(dir), message), true);
    });
    connect(m_session, &SessionModel::loadCancelled, this, [this, loadDone] {
        loadDone();
        statusBar()->showMessage(tr("Loading cancelled"), 3000);
    });
    connect(m_session, &SessionModel::modelChanged, this, [this, loadDone] {
        loadDone();
        onModelChanged();
    });
}

void MainWindow::start(const StartOptions& options) {
    QString text = options.hasText ? options.text : m_settings->lastText();
    if (!options.hasText && text.isEmpty() && m_settings->lastModel().isEmpty()) text = QString::fromUtf8(kFirstText);
    m_input->setText(text);
    m_input->setPairText(m_settings->lastPair());
    m_session->setText(text);
    m_session->setPairText(m_settings->lastPair());

    QString dir = options.modelDir;
    if (dir.isEmpty() && QFileInfo(m_settings->lastModel()).isDir()) dir = m_settings->lastModel();
    if (dir.isEmpty()) {
        const auto defaults = defaultModels();
        if (!defaults.empty()) dir = defaults.front().dir;
    }
    const QString welcome =
        tr("No model is open.\n\nFile > Open Model Folder... (Ctrl+O) or drop a model folder on this window.\n"
           "attnviz reads Hugging Face folders: config.json and model.safetensors (BERT, RoBERTa, DistilBERT, "
           "GPT-2, Llama, Mistral, Qwen2), with the model's tokenizer files to type text.");
    for (PlotView* v : views()) v->setPlaceholder(welcome);
    if (!dir.isEmpty()) openModelFolder(dir);
}

void MainWindow::openModelFolder(const QString& dir) {
    showBanner(QString(), false);
    m_session->openModel(dir);
}

void MainWindow::onModelChanged() {
    const LoadedModel& m = m_session->model();
    const core::ModelConfig& c = m.model->config();
    setWindowTitle(QStringLiteral("attnviz — %1").arg(m.name()));
    m_modelLabel->setText(QStringLiteral("%1 (%2) · %3").arg(m.name(), QString::fromStdString(c.modelType), m.shapeText()));
    m_modelLabel->setToolTip(QDir::toNativeSeparators(m.dir));
    m_controls->setModelShape(c.nLayers, c.nHeads, m.model->defaultMask());
    m_compare->setModelShape(c.nLayers, c.nHeads);
    m_analysis->setLayerCount(c.nLayers);
    m_input->setPairAvailable(m.takesPairs());
    m_input->setIdInput(!m.tokenizer, m.tokenizerProblem);
    if (!m.tokenizer) showBanner(tr("This model has no tokenizer attnviz can read (%1): type token ids separated by spaces.")
                                     .arg(m.tokenizerProblem), false);
    for (PlotView* v : views()) {
        v->setPlaceholder(tr("Type a sentence to see its attention."));
    }
    m_settings->setLastModel(m.dir);
    m_settings->addRecentModel(m.dir);
    rebuildModelMenus();
}

void MainWindow::onResult() {
    const auto result = m_session->result();
    if (!result) return;
    if (!m_session->model().tokenizer) {
        showBanner(tr("This model has no tokenizer attnviz can read (%1): the text box takes token ids.")
                       .arg(m_session->model().tokenizerProblem),
                   false);
    } else {
        showBanner(QString(), false);
    }
    for (PlotView* v : views()) v->setResult(result);
    HeadRef head = m_controls->head();
    m_headView->setHead(head);
    m_overview->setCurrentHead(m_headView->head());
    m_difference->view()->setHead(m_headView->head());
    m_analysis->view()->setHead(m_headView->head());
    m_stats->setCurrentHead(m_headView->head());
    m_stats->setResult(result);
    m_input->predictionsPanel()->setResult(result);
    m_input->tokenStrip()->setTokens(result->tokens);
    m_input->tokenStrip()->setHighlightToken(m_headView->highlightToken());
    m_tokensLabel->setText(tr("%n token(s)", nullptr, result->tokenCount()));
    m_timeLabel->setText(tr("%1 ms").arg(result->computeMs, 0, 'f', 1));
    if (result->maskIsDefault()) {
        m_maskLabel->setText(tr("mask: %1").arg(maskLabel(result->trace->mask())));
        m_maskLabel->setStyleSheet(QString());
        m_controls->setMaskWarning(QString());
    } else {
        m_maskLabel->setText(tr("mask: %1").arg(result->maskShortText()));
        m_maskLabel->setStyleSheet(QStringLiteral("QLabel { color: #b35900; font-weight: bold; }"));
        m_controls->setMaskWarning(tr("\u26a0 not the model's own mask (%1)").arg(maskLabel(result->defaultMask)));
    }
}

void MainWindow::onResultUpdated() {
    // The same run, now with its induction scores: the views that read the
    // statistics (and their exports) take the new copy.
    const auto result = m_session->result();
    if (!result) return;
    for (PlotView* v : views()) v->setResult(result);
    m_stats->setResult(result);
    m_input->predictionsPanel()->setResult(result);
}

void MainWindow::setHead(HeadRef head) {
    m_headView->setHead(head);
    const HeadRef shown = m_headView->head();
    m_controls->setHead(shown);
    m_overview->setCurrentHead(shown);
    m_difference->view()->setHead(shown);
    m_analysis->view()->setHead(shown);
    m_stats->setCurrentHead(shown);
}

void MainWindow::setHighlight(int token) {
    for (PlotView* v : views()) v->setHighlightToken(token);
    m_input->tokenStrip()->setHighlightToken(token);
}

void MainWindow::showBanner(const QString& text, bool error) {
    m_banner->setText(text);
    m_banner->setVisible(!text.isEmpty());
    m_banner->setStyleSheet(error ? QStringLiteral("QLabel { background: #fdecea; color: #8a1c12; padding: 6px 10px; "
                                                   "border-bottom: 1px solid #f5c2bd; }")
                                  : QStringLiteral("QLabel { background: #fff7e0; color: #6b4e00; padding: 6px 10px; "
                                                   "border-bottom: 1px solid #f0deaa; }"));
}

void MainWindow::exportCurrentView() {
    PlotView* view = currentView();
    if (view == nullptr) return;
    if (const QString problem = view->exportProblem(); !problem.isEmpty()) {
        QMessageBox::information(this, tr("Export"), problem);
        return;
    }
    QString dir = m_settings->exportDir();
    if (dir.isEmpty() || !QFileInfo(dir).isDir()) {
        dir = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
        if (dir.isEmpty() || !QFileInfo(dir).isDir()) dir = QDir::homePath();
    }
    QString base = QStringLiteral("%1-%2").arg(view->result()->modelName, view->viewName());
    if (view == m_headView) base += QStringLiteral("-L%1H%2").arg(m_headView->head().layer).arg(m_headView->head().head);
    ExportDialog dialog(view->viewName(), view->figureSize(), view->csvMatrix().has_value(),
                        QDir(dir).filePath(base + QStringLiteral(".png")), this);
    dialog.setScale(m_settings->exportScale());
    if (dialog.exec() != QDialog::Accepted) return;
    const QString path = dialog.path();
    if (path.isEmpty()) return;
    if (QFileInfo::exists(path) &&
        QMessageBox::question(this, tr("Replace file?"),
                              tr("%1 already exists. Replace it?").arg(QDir::toNativeSeparators(path)),
                              QMessageBox::Yes | QMessageBox::No, QMessageBox::No) != QMessageBox::Yes) {
        return;
    }
    const core::Status status = exportView(*view, path, dialog.format(), dialog.figureOptions());
    if (!status) {
        QMessageBox::warning(this, tr("Export failed"), QString::fromStdString(status.error()));
        return;
    }
    m_settings->setExportDir(QFileInfo(path).absolutePath());
    m_settings->setExportScale(dialog.figureOptions().scale);
    statusBar()->showMessage(tr("Exported %1").arg(QDir::toNativeSeparators(path)), 5000);
}

void MainWindow::saveSettings() {
    m_settings->setWindowGeometry(saveGeometry());
    m_settings->setWindowState(saveState());
    m_settings->setViewStyle(m_controls->viewStyle());
    m_settings->setLastText(m_input->text());
    m_settings->setLastPair(m_input->pairText());
}

void MainWindow::closeEvent(QCloseEvent* event) {
    saveSettings();
    QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (!localDirFromMime(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QString dir = localDirFromMime(event->mimeData());
    if (dir.isEmpty()) return;
    event->acceptProposedAction();
    openModelFolder(dir);
}

}  // namespace attnviz::ui
