#include "window/window_menus.h"

#include "attnviz/ui/window/theme.h"
#include "window/default_models.h"
#include "window/about_dialogs.h"
#include "window/help_window.h"

#include <QAction>
#include <QActionGroup>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMainWindow>
#include <QMenuBar>

namespace attnviz::ui {

WindowMenus::WindowMenus(QMainWindow* window, const QStringList& viewNames, QAction* statsToggle)
    : QObject(window), m_window(window) {
    buildFileMenu();
    buildViewMenu(viewNames, statsToggle);
    buildHelpMenu();
}

void WindowMenus::buildFileMenu() {
    QMenu* file = m_window->menuBar()->addMenu(tr("&File"));
    // A .gguf file, or a model folder picked by one of its files.
    QAction* open = file->addAction(tr("&Open Model..."), this, [this] {
        const QString start = m_currentDir.isEmpty() ? QDir::homePath() : QFileInfo(m_currentDir).absolutePath();
        const QString file = QFileDialog::getOpenFileName(
            m_window, tr("Open a .gguf file, or the config.json of a model folder"), start,
            tr("Models (*.gguf config.json *.safetensors);;GGUF files (*.gguf);;All files (*)"));
        if (file.isEmpty()) return;
        emit openModelRequested(file.endsWith(QStringLiteral(".gguf"), Qt::CaseInsensitive)
                                    ? file
                                    : QFileInfo(file).absolutePath());
    });
    open->setShortcut(QKeySequence::Open);
    QAction* openFolder = file->addAction(tr("Open Model &Folder..."), this, [this] {
        const QString start = m_currentDir.isEmpty() ? QDir::homePath() : QFileInfo(m_currentDir).absolutePath();
        const QString dir = QFileDialog::getExistingDirectory(
            m_window, tr("Open a model folder (config.json + model.safetensors)"), start);
        if (!dir.isEmpty()) emit openModelRequested(dir);
    });
    openFolder->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    QAction* models = file->addAction(tr("&Models..."), this, &WindowMenus::modelsWindowRequested);
    models->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_M));
    models->setToolTip(tr("The models of the Hugging Face cache, Ollama, LM Studio, llama.cpp and your folders"));
    QAction* openTrace = file->addAction(tr("Open &Trace..."), this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            m_window, tr("Open a trace file (attention computed elsewhere)"), QDir::homePath(),
            tr("Trace files (*.safetensors);;All files (*)"));
        if (!path.isEmpty()) emit openTraceRequested(path);
    });
    openTrace->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_T));
    openTrace->setToolTip(tr("A .safetensors trace written by attnviz-cli attention --format trace or tools/hf_trace.py"));
    m_recent = file->addMenu(tr("Open &Recent"));
    // Between File and View in the menu bar.
    m_models = m_window->menuBar()->addMenu(tr("&Models"));
    file->addSeparator();
    QAction* exportAction = file->addAction(tr("&Export View..."), this, &WindowMenus::exportRequested);
    exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), m_window, &QWidget::close);
    quit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
}

void WindowMenus::buildViewMenu(const QStringList& viewNames, QAction* statsToggle) {
    QMenu* view = m_window->menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < viewNames.size(); ++i) {
        QAction* a = view->addAction(viewNames[i], this, [this, i] { emit viewRequested(i); });
        a->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + i)));
    }
    view->addSeparator();
    QAction* pin = view->addAction(tr("&Pin This Run"), this, &WindowMenus::pinRequested);
    pin->setObjectName(QStringLiteral("pinRun"));
    pin->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
    pin->setToolTip(tr("Keep the run on screen; the Difference tab then compares the live run with it"));
    view->addSeparator();
    statsToggle->setText(tr("Head &Statistics"));
    statsToggle->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    view->addAction(statsToggle);
    view->addSeparator();
    QAction* full = view->addAction(tr("&Full Screen"), this, [this] {
        m_window->isFullScreen() ? m_window->showNormal() : m_window->showFullScreen();
    });
    full->setShortcut(QKeySequence(Qt::Key_F11));

    // Light or dark: the system's palette unless forced; remembered.
    QMenu* themes = view->addMenu(tr("&Theme"));
    themes->setObjectName(QStringLiteral("themeMenu"));
    auto* group = new QActionGroup(themes);
    const Theme current = currentTheme();
    for (auto [theme, label] : {std::pair{Theme::System, tr("Follow the &System")}, std::pair{Theme::Light, tr("&Light")},
                                std::pair{Theme::Dark, tr("&Dark")}}) {
        QAction* a = themes->addAction(label, this, [theme] {
            applyTheme(theme);
            saveTheme(theme);
        });
        a->setObjectName(QStringLiteral("theme-") + themeName(theme));
        a->setCheckable(true);
        a->setChecked(theme == current);
        group->addAction(a);
    }
}

void WindowMenus::buildHelpMenu() {
    QMenu* help = m_window->menuBar()->addMenu(tr("&Help"));
    QAction* what = help->addAction(tr("&What Am I Looking At?"), this, [this] { emit helpRequested(QString()); });
    what->setShortcut(QKeySequence::HelpContents);
    what->setObjectName(QStringLiteral("helpCurrentView"));
    QMenu* topics = help->addMenu(tr("Help &Topics"));
    for (const HelpTopic& t : helpTopics()) {
        topics->addAction(t.title, this, [this, id = t.id] { emit helpRequested(id); });
    }
    help->addAction(tr("Take the &Tour"), this, [this] { emit tourRequested(); })->setObjectName(QStringLiteral("helpTour"));
    help->addSeparator();
    help->addAction(tr("&Keyboard Shortcuts"), this, [this] {
        ShortcutsDialog dialog(m_window);
        dialog.exec();
    })->setObjectName(QStringLiteral("helpShortcuts"));
    help->addAction(tr("&About attnviz"), this, [this] {
        AboutDialog dialog(m_window);
        dialog.exec();
    })->setObjectName(QStringLiteral("helpAbout"));
}

void WindowMenus::rebuildModelMenus(const QString& currentDir, const QStringList& recent) {
    m_currentDir = currentDir;
    m_models->clear();
    const auto defaults = defaultModels();
    if (defaults.empty()) {
        QAction* none = m_models->addAction(tr("No embedded models found"));
        none->setEnabled(false);
    }
    const QString current = currentDir.isEmpty() ? QString() : QDir::cleanPath(currentDir);
    auto* group = new QActionGroup(m_models);
    for (const DefaultModel& m : defaults) {
        const QString label =
            QStringLiteral("%1  (%2, %3)").arg(m.name, m.modelType, m.causal ? tr("causal") : tr("masked LM"));
        QAction* a = m_models->addAction(label, this, [this, dir = m.dir] { emit openModelRequested(dir); });
        a->setCheckable(true);
        a->setChecked(QDir::cleanPath(m.dir) == current);
        a->setToolTip(QDir::toNativeSeparators(m.dir));
        a->setData(m.dir);
        group->addAction(a);
    }
    m_models->addSeparator();
    m_models->addAction(tr("Models on This Computer..."), this, &WindowMenus::modelsWindowRequested);
    m_models->addAction(tr("Open Folder..."), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(m_window, tr("Open a model folder"), QDir::homePath());
        if (!dir.isEmpty()) emit openModelRequested(dir);
    });

    m_recent->clear();
    for (const QString& dir : recent) {
        m_recent->addAction(dir, this, [this, dir] { emit openModelRequested(dir); });
    }
    m_recent->setEnabled(!recent.isEmpty());
}

}  // namespace attnviz::ui
