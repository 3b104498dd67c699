#include "attnviz/ui/window/main_window.h"

#include "attnviz/core/model_discovery.h"
#include "attnviz/ui/session/latest_job.h"
#include "attnviz/ui/session/session_model.h"
#include "attnviz/ui/views/analysis_view.h"
#include "attnviz/ui/views/head_grid_view.h"
#include "attnviz/ui/views/head_view.h"
#include "panels/analysis_page.h"
#include "panels/compare_page.h"
#include "panels/difference_page.h"
#include "attnviz/ui/session/pinned_run.h"
#include "attnviz/ui/views/difference_view.h"
#include "panels/head_stats_panel.h"
#include "panels/input_panel.h"
#include "panels/predictions_panel.h"
#include "panels/token_strip.h"
#include "panels/view_controls.h"
#include "window/app_settings.h"
#include "window/banner.h"
#include "window/default_models.h"

#include <QDir>
#include "window/export_dialog.h"
#include "attnviz/ui/views/alignment_view.h"
#include "attnviz/ui/views/explain_view.h"
#include "window/explain_binding.h"
#include "attnviz/ui/views/generation_timeline.h"
#include "window/generation_panel.h"
#include "window/help_window.h"
#include "window/tour_panel.h"
#include "window/model_drop.h"
#include "window/trace_drop.h"
#include "window/model_list.h"
#include "window/models_window.h"
#include "window/status_line.h"
#include "window/view_binding.h"
#include "window/view_state.h"
#include "window/view_tabs.h"
#include "window/window_menus.h"

#include <QCloseEvent>
#include <QDockWidget>
#include <QFileInfo>
#include <QSignalBlocker>
#include <QDragEnterEvent>
#include <QGuiApplication>
#include <QScreen>
#include <QStatusBar>
#include <QToolBar>
#include <QVBoxLayout>

namespace attnviz::ui {
namespace {

const char* kFirstText = "The cat sat on the mat because it was tired.";

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), m_settings(std::make_unique<AppSettings>()) {
    setWindowTitle(QStringLiteral("attnviz"));
    setAcceptDrops(true);
    m_session = new SessionModel(this);
    m_state = new ViewState(this);
    buildDocks();
    m_menus = new WindowMenus(this, ViewTabs::menuNames(), m_statsDock->toggleViewAction());
    m_status = new StatusLine(statusBar(), m_session);
    m_banner->follow(m_session);
    rebuildModelMenus();
    restoreSettings();
    bindState();
    wire();
    wireSession();

    // First start: most of the screen, at least 1280x800 where the screen allows.
    if (const QScreen* screen = QGuiApplication::primaryScreen()) {
        const QSize available = screen->availableSize();
        resize((available * 0.85).expandedTo(QSize(1280, 800)).boundedTo(available));
    } else {
        resize(1280, 800);
    }
    if (const QByteArray g = m_settings->windowGeometry(); !g.isEmpty()) restoreGeometry(g);
    if (const QByteArray s = m_settings->windowState(); !s.isEmpty()) restoreState(s);
}

MainWindow::~MainWindow() = default;

HeadView* MainWindow::headView() const { return m_tabs->headView(); }
HeadGridView* MainWindow::overview() const { return m_tabs->overview(); }
ComparePage* MainWindow::comparePage() const { return m_tabs->comparePage(); }
DifferencePage* MainWindow::differencePage() const { return m_tabs->differencePage(); }
AnalysisPage* MainWindow::analysisPage() const { return m_tabs->analysisPage(); }
QMenu* MainWindow::modelsMenu() const { return m_menus->modelsMenu(); }
QTabWidget* MainWindow::tabs() const { return m_tabs; }
PlotView* MainWindow::currentView() const { return m_tabs->currentView(); }

void MainWindow::buildDocks() {
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
    m_controls->moveInto(toolbar);
    addToolBar(Qt::TopToolBarArea, toolbar);

    // Head statistics on the right, next to whatever view is open: selecting
    // a row shows that head, hovering a thumbnail marks its row.
    m_stats = new HeadStatsPanel(this);
    m_statsDock = new QDockWidget(tr("Heads"), this);
    m_statsDock->setObjectName(QStringLiteral("headStatsDock"));
    m_statsDock->setWidget(m_stats);
    m_statsDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                             QDockWidget::DockWidgetClosable);
    addDockWidget(Qt::RightDockWidgetArea, m_statsDock);

    m_tabs = new ViewTabs(this, m_session);
    m_banner = new Banner(this);
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_banner);
    layout->addWidget(m_tabs, 1);
    setCentralWidget(central);
    resizeDocks({inputDock, m_statsDock}, {300, 390}, Qt::Horizontal);
}

void MainWindow::restoreSettings() {
    m_state->setViewStyle(m_settings->viewStyle());
    m_state->setShowSteps(m_settings->showSteps());
    if (auto kind = analysisKindFromName(m_settings->analysisKind())) analysisPage()->setKind(*kind);
    if (auto kind = attentionKindFromName(m_settings->attentionKind())) {
        m_session->setAttentionKind(*kind);
        m_controls->setAttentionKind(*kind);
    }
    // The head, tab and mask of the last session: the head is clamped to the
    // model's shape when it opens; a mask the settings garbled is dropped.
    if (const QStringList parts = m_settings->lastHead().split(QLatin1Char(':')); parts.size() == 2) {
        bool okLayer = false;
        bool okHead = false;
        const int layer = parts[0].toInt(&okLayer);
        const int head = parts[1].toInt(&okHead);
        if (okLayer && okHead && layer >= 0 && head >= -1) m_state->setHead({layer, head});
    }
    if (const int tab = m_settings->lastTab(); tab >= 0 && tab < m_tabs->count()) m_tabs->setCurrentIndex(tab);
    if (auto mask = core::MaskMode::parse(m_settings->lastMask().toStdString())) {
        m_session->setMask(*mask);
        m_controls->setMask(*mask);
    }
    m_tabs->generationPanel()->setOptions(m_settings->generateOptions());
    m_session->setGenerateOptions(m_settings->generateOptions());
    m_input->predictionsPanel()->setPredictionsWanted(m_settings->predictionsWanted());
    RunFeatures features = m_session->features();
    features.predictions = m_settings->predictionsWanted();
    m_session->setFeatures(features);
}

void MainWindow::bindState() {
    bindViewState(*m_state, *m_controls);
    bindViewState(*m_state, *headView());
    bindViewState(*m_state, *overview());
    bindViewState(*m_state, *comparePage());
    bindViewState(*m_state, *differencePage()->view());
    bindViewState(*m_state, *analysisPage()->view());
    bindViewState(*m_state, *m_stats);
    bindViewState(*m_state, *m_input->tokenStrip());
    connect(m_state, &ViewState::viewStyleChanged, this, [this](const ViewStyle& s) { m_settings->setViewStyle(s); });
    connect(m_state, &ViewState::showStepsChanged, this, [this](bool show) { m_settings->setShowSteps(show); });
    connect(m_state, &ViewState::headChanged, this, [this](HeadRef head) {
        m_settings->setLastHead(QStringLiteral("%1:%2").arg(head.layer).arg(head.head));
    });
}

void MainWindow::wire() {
    connect(m_menus, &WindowMenus::openModelRequested, this, &MainWindow::openModelFolder);
    connect(m_menus, &WindowMenus::openTraceRequested, this, &MainWindow::openTraceFile);
    connect(m_menus, &WindowMenus::modelsWindowRequested, this, &MainWindow::showModelsWindow);
    connect(m_menus, &WindowMenus::exportRequested, this, &MainWindow::exportCurrentView);
    connect(m_menus, &WindowMenus::viewRequested, m_tabs, &QTabWidget::setCurrentIndex);
    connect(m_menus, &WindowMenus::helpRequested, this, &MainWindow::showHelp);
    connect(m_menus, &WindowMenus::tourRequested, this, &MainWindow::showTour);
    bindExplain(*m_tabs, *m_tabs->explainView(), *m_state, *m_session);
    // Pin and compare: the Difference tab compares the live run with the pinned one.
    const auto pin = [this] {
        const auto r = m_session->result();
        if (!r) {
            m_status->showMessage(tr("Nothing to pin yet: type a sentence first."), 4000);
            return;
        }
        PinnedRun pinned{r, m_session->resultInput()};
        differencePage()->setPinned(&pinned);
        m_tabs->setCurrentWidget(differencePage());
        // The Difference tab names the pinned run; the status bar, squeezed by
        // its permanent fields, has room for the hint only.
        m_status->showMessage(tr("Run pinned: change the sentence, the mask or the model to compare."), 6000);
    };
    connect(m_menus, &WindowMenus::pinRequested, this, pin);
    connect(differencePage(), &DifferencePage::pinRequested, this, pin);
    connect(differencePage(), &DifferencePage::headChosen, m_state, &ViewState::setHead);
    connect(m_tabs->explainView(), &ExplainView::hoverText, m_status, [this](const QString& text) { m_status->showMessage(text); });
    // A generation step: its query's row lit in the heatmaps (decoder rows
    // for encoder-decoder models; the prompt's rows for decoder-only ones).
    connect(m_tabs->generationPanel()->timeline(), &GenerationTimeline::stepChosen, this, [this](int, int queryRow) {
        if (m_session->model().isSeq2Seq() && m_session->attentionKind() == AttentionKind::Encoder) {
            m_session->setAttentionKind(AttentionKind::Decoder);
            m_controls->setAttentionKind(AttentionKind::Decoder);
        }
        const auto r = m_session->result();
        m_state->setHighlightToken(r && queryRow < r->tokenCount() ? queryRow : -1);
    });
    // The alignment view follows the head chosen above (a layer mean: that layer's mean).
    connect(m_state, &ViewState::headChanged, this, [this](HeadRef head) {
        AlignmentChoice choice;
        choice.kind = head.isMean() ? AlignmentChoice::Kind::LayerMean : AlignmentChoice::Kind::Head;
        choice.layer = head.layer;
        choice.head = std::max(0, head.head);
        m_tabs->alignmentView()->setChoice(choice);
    });
    connect(m_tabs->generationPanel(), &GenerationPanel::optionsChanged, this, [this](const core::GenerateOptions& o) {
        m_session->setGenerateOptions(o);
        m_settings->setGenerateOptions(o);
    });
    connect(m_input, &InputPanel::textChanged, m_session, &SessionModel::setText);
    connect(m_input, &InputPanel::pairTextChanged, m_session, &SessionModel::setPairText);
    connect(m_input, &InputPanel::pairEnabledChanged, m_session, &SessionModel::setPairEnabled);
    connect(m_input, &InputPanel::targetTextChanged, m_session, &SessionModel::setTargetText);
    connect(m_controls, &ViewControls::attentionKindChanged, this, [this](AttentionKind kind) {
        m_session->setAttentionKind(kind);
        m_settings->setAttentionKind(attentionKindName(kind));
    });
    connect(m_session, &SessionModel::attentionKindChanged, m_controls, &ViewControls::setAttentionKind);
    connect(m_controls, &ViewControls::maskChanged, m_session, &SessionModel::setMask);
    connect(m_session, &SessionModel::maskChanged, this,
            [this](core::MaskMode mask) { m_settings->setLastMask(QString::fromStdString(mask.toString())); });
    connect(m_tabs, &QTabWidget::currentChanged, this, [this](int index) { m_settings->setLastTab(index); });
    connect(m_session, &SessionModel::maskChanged, m_controls, &ViewControls::setMask);
    connect(m_controls, &ViewControls::globalTokensChanged, this, [this](std::optional<std::vector<int>> positions) {
        RunFeatures features = m_session->features();
        features.globalTokens = std::move(positions);
        m_session->setFeatures(features);
    });

    // The state has taken the picked head already (bindState); these only
    // bring the view that shows it to the front.
    connect(overview(), &HeadGridView::headActivated, this, [this] { m_tabs->setCurrentWidget(headView()); });
    connect(m_stats, &HeadStatsPanel::headSelected, this, [this] {
        if (!m_tabs->currentFollowsHead()) m_tabs->setCurrentWidget(headView());
    });
    connect(overview(), &HeadGridView::headAddedToCompare, this, [this](HeadRef h) {
        comparePage()->addHead(h);
        m_status->showMessage(tr("%1 added to Compare").arg(h.label()), 3000);
    });
    connect(overview(), &HeadGridView::headHovered, m_stats, &HeadStatsPanel::setHoveredHead);
    for (PlotView* v : m_tabs->views()) {
        connect(v, &PlotView::hoverText, m_status, [this](const QString& text) { m_status->showMessage(text); });
    }

    connect(analysisPage(), &AnalysisPage::kindChanged, this,
            [this](AnalysisKind kind) { m_settings->setAnalysisKind(analysisKindName(kind)); });
    // The statistics and the induction pass only while the Heads panel shows them.
    connect(m_statsDock, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        RunFeatures features = m_session->features();
        features.statistics = visible;
        features.induction = visible;
        m_session->setFeatures(features);
    });
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
}

void MainWindow::wireSession() {
    connect(m_session, &SessionModel::resultReady, this, &MainWindow::onResult);
    connect(m_session, &SessionModel::resultUpdated, this, &MainWindow::onResultUpdated);
    connect(m_session, &SessionModel::modelChanged, this, &MainWindow::onModelChanged);
    connect(m_session, &SessionModel::traceOpened, this, &MainWindow::onTraceOpened);
    connect(m_session, &SessionModel::loadFailed, this, [this](const QString& dir, const QString& message) {
        if (m_modelsWindow != nullptr) m_modelsWindow->showOpenFailed(tr("Could not open %1: %2").arg(dir, message));
        m_settings->removeRecentModel(dir);
        rebuildModelMenus();
        // Nothing open (a failing --model at start): open the default model
        // rather than leave an empty window; the banner keeps saying why.
        if (!m_session->model().isValid() && !m_session->isTrace()) {
            const auto defaults = defaultModels();
            if (!defaults.empty() && defaults.front().dir != dir) {
                m_banner->setStickyError(tr("Could not open %1: %2 (the default model opened instead)")
                                             .arg(QDir::toNativeSeparators(dir), message));
                m_session->openModel(defaults.front().dir);
            }
        }
    });
}

void MainWindow::rebuildModelMenus() {
    const LoadedModel& model = m_session->model();
    m_menus->rebuildModelMenus(model.isValid() ? model.dir : QString(), m_settings->recentModels());
}

void MainWindow::start(const StartOptions& options) {
    QString text = options.hasText ? options.text : m_settings->lastText();
    if (!options.hasText && text.isEmpty() && m_settings->lastModel().isEmpty()) text = QString::fromUtf8(kFirstText);
    m_input->setText(text);
    m_input->setPairText(m_settings->lastPair());
    const QString target = options.hasText ? options.target : m_settings->lastTarget();
    m_input->setTargetText(target);
    m_session->setText(text);
    m_session->setPairText(m_settings->lastPair());
    m_session->setTargetText(target);

    m_tabs->setPlaceholder(
        tr("No model is open.\n\nFile > Models... (Ctrl+M) lists the models on this computer; File > Open Model... "
           "(Ctrl+O) opens a .gguf file or a model folder; or drop one on this window.\n"
           "attnviz reads Hugging Face folders: config.json and model.safetensors (model types: %1), with the "
           "model's tokenizer files to type text.")
            .arg(supportedModelTypes()));
    if (!options.tracePath.isEmpty()) {
        openTraceFile(options.tracePath);
        return;
    }
    if (options.offerModelsOnFirstStart && options.modelDir.isEmpty() && m_settings->lastModel().isEmpty()) {
        ModelsWindow* models = modelsWindow();
        auto once = std::make_shared<QMetaObject::Connection>();
        *once = connect(models, &ModelsWindow::listed, this, [models, once] {
            QObject::disconnect(*once);
            for (const auto& m : models->list()->models()) {
                if (m.supported) {
                    models->show();
                    return;
                }
            }
        });
        models->refresh();
    }
    if (!options.modelDir.isEmpty() && !QFileInfo::exists(options.modelDir)) {
        openModelReference(options.modelDir);  // a listed name ("org/name", "name:tag")
        return;
    }
    const bool firstStart = options.modelDir.isEmpty() && m_settings->lastModel().isEmpty();
    const QString dir = startModelDir(options.modelDir, m_settings->lastModel());
    if (!dir.isEmpty()) openModelFolder(dir);
    if (options.offerTourOnFirstStart && firstStart && !m_settings->tourSeen()) showTour();
}

void MainWindow::openModelReference(const QString& reference) {
    if (m_resolve == nullptr) m_resolve = new LatestJob(QStringLiteral("attnviz resolve"), this);
    std::vector<std::filesystem::path> added;
    for (const QString& f : m_settings->addedModelFolders()) added.emplace_back(f.toStdString());
    m_status->showMessage(tr("Looking for the model %1...").arg(reference));
    m_resolve->submit<std::filesystem::path>(
        [reference = reference.toStdString(), added](const std::atomic<bool>&) {
            return core::resolveModelReference(reference, added);
        },
        [this, reference](core::Result<std::filesystem::path> path) {
            m_status->showMessage(QString());
            // A path that does not exist: the loader says so, as for any path.
            if (path || path.code() == core::ErrorCode::Io) {
                openModelFolder(path ? QString::fromStdString(path->string()) : reference);
                return;
            }
            const QString why = tr("Could not open %1: %2").arg(reference, QString::fromStdString(path.error()));
            // Sticky: the runs that follow do not hide it (it clears with the next open).
            if (m_session->model().isValid() || m_session->isLoading()) {
                m_banner->setStickyError(why);
                return;
            }
            const QString fallback = startModelDir(QString(), m_settings->lastModel());
            m_banner->setStickyError(fallback.isEmpty() ? why : why + tr(" (%1 opened instead)").arg(QFileInfo(fallback).fileName()));
            if (!fallback.isEmpty()) m_session->openModel(fallback);
        });
}

ModelsWindow* MainWindow::modelsWindow() {
    if (m_modelsWindow == nullptr) {
        m_modelsWindow = new ModelsWindow(this);
        m_modelsWindow->setAddedFolders(m_settings->addedModelFolders());
        connect(m_modelsWindow, &ModelsWindow::addedFoldersChanged, this,
                [this](const QStringList& folders) { m_settings->setAddedModelFolders(folders); });
        connect(m_modelsWindow, &ModelsWindow::openRequested, this, &MainWindow::openModelFolder);
    }
    return m_modelsWindow;
}

void MainWindow::showModelsWindow() {
    ModelsWindow* w = modelsWindow();
    w->show();
    w->raise();
    w->activateWindow();
}

HelpWindow* MainWindow::helpWindow() {
    if (!m_helpWindow) m_helpWindow = new HelpWindow(this);
    return m_helpWindow;
}

void MainWindow::showHelp(const QString& topic) {
    QString page = topic;
    if (page.isEmpty()) {
        const PlotView* view = m_tabs->currentView();
        page = helpTopicForView(m_tabs->currentWidget() == m_tabs->explainView() ? QStringLiteral("explain")
                                                                              : (view ? view->viewName() : QString()));
    }
    HelpWindow* w = helpWindow();
    w->showTopic(page);
    w->show();
    w->raise();
    w->activateWindow();
}

TourPanel* MainWindow::tour() {
    if (!m_tour) m_tour = new TourPanel(this);
    return m_tour;
}

void MainWindow::showTour() {
    TourPanel* t = tour();
    m_settings->setTourSeen(true);
    t->show();
    // Beside the views, clear of the heatmap's centre.
    t->move(mapToGlobal(QPoint(width() - t->width() - 24, height() - t->sizeHint().height() - 48)));
    t->showStep(0);
    t->raise();
}

QString MainWindow::supportedModelTypes() {
    QStringList types;
    for (const std::string& t : core::ModelConfig::supportedTypes()) types << QString::fromStdString(t);
    for (const std::string& t : core::Seq2SeqConfig::supportedTypes()) types << QString::fromStdString(t);
    return types.join(QStringLiteral(", "));
}

void MainWindow::openModelFolder(const QString& dir) {
    m_banner->setStickyError(QString());
    m_banner->showMessage(QString(), false);
    m_session->openModel(dir);
}

void MainWindow::openTraceFile(const QString& path) {
    m_banner->setStickyError(QString());
    m_banner->showMessage(QString(), false);
    m_session->openTrace(path);
}

void MainWindow::onTraceOpened() {
    const core::TraceFile* t = m_session->trace();
    const auto result = m_session->result();
    if (t == nullptr || !result) return;
    const int nLayers = t->trace->nLayers();
    const int nHeads = t->trace->nHeads();
    setWindowTitle(QStringLiteral("attnviz — %1 (trace %2)")
                       .arg(QString::fromStdString(t->header.model), QFileInfo(QString::fromStdString(t->path.string())).fileName()));
    m_controls->setModelShape(nLayers, nHeads, result->defaultMask);
    m_controls->setGlobalAttention(false);
    m_controls->setEncoderDecoder(false);
    m_input->setTargetAvailable(false);
    {
        const QSignalBlocker block(m_controls);
        m_controls->setMask(result->requestedMask);
    }
    m_state->setModelShape(nLayers, nHeads);
    comparePage()->setModelShape(nLayers, nHeads);
    analysisPage()->setLayerCount(nLayers);
    m_input->setPairAvailable(false);
    // The text as the tokens spell it (without the specials the tokenizer added).
    QString text;
    for (const TokenLabel& token : result->tokens) {
        if (token.special) continue;
        text += QString(token.text).replace(QChar(0x2423), QLatin1Char(' '));
    }
    const QString why = tr("this is a trace computed elsewhere; attnviz cannot re-run it");
    m_input->setTraceMode(text.trimmed(), why);
    m_controls->setTraceMode(why);
    rebuildModelMenus();
}

void MainWindow::onModelChanged() {
    m_input->setTraceMode(QString(), QString());
    m_controls->setTraceMode(QString());
    const LoadedModel& m = m_session->model();
    setWindowTitle(QStringLiteral("attnviz — %1").arg(m.name()));
    m_controls->setEncoderDecoder(m.isSeq2Seq());
    m_input->setTargetAvailable(m.isSeq2Seq());
    m_tabs->setEncoderDecoder(m.isSeq2Seq());
    m_tabs->generationPanel()->reset();
    if (m.isSeq2Seq()) {
        // The shape of the kind on screen (encoder and decoder may differ);
        // onResult follows the kind.
        const core::Seq2SeqConfig& c = m.seq2seq->model().config();
        const bool encoder = m_session->attentionKind() == AttentionKind::Encoder;
        const core::StackConfig& stack = encoder ? c.encoder : c.decoder;
        m_controls->setGlobalAttention(false);
        applyModelShape(stack.nLayers, stack.nHeads, encoder ? core::MaskMode::bidirectional() : core::MaskMode::causal());
    } else {
        const core::ModelConfig& c = m.model->config();
        m_controls->setGlobalAttention(c.globalAttention);
        {
            RunFeatures features = m_session->features();
            features.globalTokens.reset();  // the new model's default
            m_session->setFeatures(features);
        }
        applyModelShape(c.nLayers, c.nHeads, m.model->defaultMask());
    }
    m_input->setPairAvailable(m.takesPairs());
    m_input->setIdInput(!m.tokenizer, m.tokenizerProblem);
    m_tabs->setPlaceholder(tr("Type a sentence to see its attention."));
    m_settings->setLastModel(m.dir);
    if (m_modelsWindow != nullptr) m_modelsWindow->showOpened(m.name());
    m_settings->addRecentModel(m.dir);
    rebuildModelMenus();
}

void MainWindow::applyModelShape(int nLayers, int nHeads, core::MaskMode defaultMask) {
    m_controls->setModelShape(nLayers, nHeads, defaultMask);
    m_state->setModelShape(nLayers, nHeads);
    comparePage()->setModelShape(nLayers, nHeads);
    analysisPage()->setLayerCount(nLayers);
}

void MainWindow::onResult() {
    const auto result = m_session->result();
    if (!result) return;
    if (result->kind) {
        // Encoder-decoder runs: the controls follow the kind on screen (its
        // own layer and head counts; the mask box names both self-attentions).
        applyModelShape(result->trace->nLayers(), result->trace->nHeads(),
                        *result->kind == AttentionKind::Encoder ? core::MaskMode::bidirectional() : core::MaskMode::causal());
    }
    // A shorter run has no such token to highlight.
    if (m_state->highlightToken() >= result->tokenCount()) m_state->setHighlightToken(-1);
    differencePage()->view()->setLiveInput(m_session->resultInput());
    for (PlotView* v : m_tabs->views()) v->setResult(result);
    // The head view clamps its head to the run it draws; a run of the next
    // model may have more layers or heads than the one it drew last.
    headView()->setHead(m_state->head());
    m_stats->setResult(result);
    m_input->predictionsPanel()->setResult(result);
    m_input->tokenStrip()->setTokens(result->tokens);
    m_input->tokenStrip()->setSegments(result->trace->tokenTypeIds);
    if (result->seq2seq) {
        m_tabs->alignmentView()->setRun(*result->seq2seq);
        m_tabs->generationPanel()->showSeq2Seq(*result->seq2seq);
    }
    m_status->showResult(*result);
    m_controls->setMaskWarning(result->maskIsDefault()
                                   ? QString()
                                   : tr("\u26a0 not the model's own mask (%1)").arg(maskLabel(result->defaultMask)));
}

void MainWindow::onResultUpdated() {
    // The same run, now with its induction scores: the views draw nothing
    // of it, their exports (the analyses' JSON) take the new copy.
    const auto result = m_session->result();
    if (!result) return;
    for (PlotView* v : m_tabs->views()) v->updateResult(result);
    m_stats->setResult(result);
    m_input->predictionsPanel()->setResult(result);
}

void MainWindow::exportCurrentView() {
    // The painted figures: the alignment view and the generation timeline.
    const PaintedFigure* painted = nullptr;
    QString name;
    if (m_tabs->currentWidget() == m_tabs->alignmentView()) {
        painted = m_tabs->alignmentView();
        name = QStringLiteral("alignment");
    } else if (m_tabs->currentWidget() == m_tabs->generationPanel()) {
        painted = m_tabs->generationPanel()->timeline();
        name = QStringLiteral("generation");
    } else if (m_tabs->currentWidget() == m_tabs->explainView()) {
        painted = m_tabs->explainView();
        const HeadRef head = m_state->head();
        name = QStringLiteral("explain-L%1H%2-q%3").arg(head.layer).arg(head.head).arg(m_tabs->explainView()->query());
    }
    if (painted != nullptr) {
        std::function<core::Status(const QString&)> json;
        if (painted == m_tabs->explainView()) json = [this](const QString& path) { return m_tabs->explainView()->exportJson(path); };
        const QString done = exportPaintedWithDialog(*painted, name, this, json);
        if (!done.isEmpty()) m_status->showMessage(done, 5000);
        return;
    }
    PlotView* view = currentView();
    if (view == nullptr) return;
    const HeadRef head = m_state->head();
    QString suffix = view == headView() ? QStringLiteral("-L%1H%2").arg(head.layer).arg(head.head) : QString();
    if (const auto r = m_session->result(); r && r->kind) suffix.prepend(QLatin1Char('-') + attentionKindName(*r->kind));
    const QString done = exportWithDialog(*view, suffix, *m_settings, this);
    if (!done.isEmpty()) m_status->showMessage(done, 5000);
}

void MainWindow::saveSettings() {
    m_settings->setWindowGeometry(saveGeometry());
    m_settings->setWindowState(saveState());
    m_settings->setViewStyle(m_state->viewStyle());
    m_settings->setLastText(m_input->typedText());
    m_settings->setLastPair(m_input->pairText());
    m_settings->setLastTarget(m_input->targetText());
}

void MainWindow::closeEvent(QCloseEvent* event) {
    saveSettings();
    QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (!modelPathFromMime(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    // A trace file opens as a trace, not as the model folder it lies in.
    if (const QString trace = traceFileFromMime(event->mimeData()); !trace.isEmpty()) {
        event->acceptProposedAction();
        openTraceFile(trace);
        return;
    }
    const QString dir = modelPathFromMime(event->mimeData());
    if (dir.isEmpty()) return;
    event->acceptProposedAction();
    openModelFolder(dir);
}

}  // namespace attnviz::ui
