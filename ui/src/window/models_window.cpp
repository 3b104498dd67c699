#include "window/models_window.h"
#include "attnviz/ui/window/theme.h"

#include "attnviz/ui/session/latest_job.h"
#include "window/model_list.h"

#include <QDir>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QPushButton>
#include <QShowEvent>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace attnviz::ui {

namespace {

std::vector<std::filesystem::path> toPaths(const QStringList& folders) {
    std::vector<std::filesystem::path> out;
    for (const QString& f : folders) out.emplace_back(f.toStdString());
    return out;
}

// "~/.ollama/models" for a folder under the home folder.
QString shortPath(const std::filesystem::path& p) {
    QString s = QDir::cleanPath(QString::fromStdString(p.string()));
    const QString home = QDir::homePath();
    if (s == home || s.startsWith(home + QLatin1Char('/'))) s = QStringLiteral("~") + s.mid(home.size());
    return QDir::toNativeSeparators(s);
}

QString rootsText(const core::DiscoveryRoots& roots) {
    QStringList parts;
    auto add = [&](const QString& label, const std::vector<std::filesystem::path>& list) {
        QStringList paths;
        for (const auto& p : list) paths << shortPath(p);
        if (!paths.isEmpty()) parts << QStringLiteral("%1: %2").arg(label, paths.join(QStringLiteral(", ")));
    };
    add(QObject::tr("Hugging Face"), roots.huggingFace);
    add(QObject::tr("Ollama"), roots.ollama);
    add(QObject::tr("LM Studio"), roots.lmStudio);
    add(QObject::tr("llama.cpp"), roots.llamaCpp);
    add(QObject::tr("added"), roots.folders);
    return parts.join(QStringLiteral(" · "));
}

}  // namespace

ModelsWindow::ModelsWindow(QWidget* parent) : QWidget(parent, Qt::Window) {
    setObjectName(QStringLiteral("modelsWindow"));
    setWindowTitle(tr("Models on this computer — attnviz"));
    m_job = new LatestJob(QStringLiteral("attnviz discovery"), this);
    m_list = new ModelList(this);
    m_sorted = new QSortFilterProxyModel(this);
    m_sorted->setSourceModel(m_list);
    m_sorted->setSortRole(ModelList::SortRole);

    auto* where = new QLabel(this);
    where->setObjectName(QStringLiteral("modelRoots"));
    where->setWordWrap(true);
    where->setTextInteractionFlags(Qt::TextSelectableByMouse);
    where->setText(tr("Looks in %1").arg(rootsText(core::defaultDiscoveryRoots())));

    m_table = new QTableView(this);
    m_table->setModel(m_sorted);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(-1, Qt::AscendingOrder);  // discovery's order until a header is clicked
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideMiddle);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setHighlightSections(false);
    // The reason takes the room that is left; the path is in the detail
    // line under the table and in the tooltips.
    m_table->horizontalHeader()->setStretchLastSection(false);
    m_table->setColumnHidden(ModelList::Path, true);
    connect(m_table, &QTableView::doubleClicked, this, [this](const QModelIndex& index) { openRow(index.row()); });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateButtons();
        showSelected();
    });

    m_detail = new QLabel(this);
    m_detail->setObjectName(QStringLiteral("modelDetail"));
    m_detail->setWordWrap(true);
    m_detail->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_detail->setText(tr("Select a model to see where it is."));

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("modelsStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* add = new QPushButton(tr("&Add Folder..."), this);
    add->setToolTip(tr("Also look in a folder of your own (model folders and .gguf files, a few levels deep)"));
    connect(add, &QPushButton::clicked, this, &ModelsWindow::chooseFolderToAdd);
    m_remove = new QPushButton(tr("Re&move Folder..."), this);
    connect(m_remove, &QPushButton::clicked, this, &ModelsWindow::chooseFolderToRemove);
    m_refresh = new QPushButton(tr("&Refresh"), this);
    m_refresh->setShortcut(QKeySequence::Refresh);
    connect(m_refresh, &QPushButton::clicked, this, &ModelsWindow::refresh);
    m_open = new QPushButton(tr("&Open"), this);
    m_open->setDefault(true);
    connect(m_open, &QPushButton::clicked, this, [this] {
        const QModelIndexList rows = m_table->selectionModel()->selectedRows();
        if (!rows.isEmpty()) openRow(rows.first().row());
    });

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(add);
    buttons->addWidget(m_remove);
    buttons->addStretch(1);
    buttons->addWidget(m_refresh);
    buttons->addWidget(m_open);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(where);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_detail);
    layout->addWidget(m_status);
    layout->addLayout(buttons);
    resize(1240, 560);
    updateButtons();
}

ModelsWindow::~ModelsWindow() = default;

void ModelsWindow::setAddedFolders(const QStringList& folders) {
    m_added = folders;
    m_added.removeDuplicates();
    updateButtons();
}

void ModelsWindow::addFolder(const QString& dir) {
    const QString clean = QDir::cleanPath(dir);
    if (clean.isEmpty() || m_added.contains(clean)) return;
    m_added << clean;
    emit addedFoldersChanged(m_added);
    updateButtons();
    refresh();
}

void ModelsWindow::removeFolder(const QString& dir) {
    if (m_added.removeAll(dir) == 0) return;
    emit addedFoldersChanged(m_added);
    updateButtons();
    refresh();
}

void ModelsWindow::chooseFolderToAdd() {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Add a folder to look for models in"), QDir::homePath());
    if (!dir.isEmpty()) addFolder(dir);
}

void ModelsWindow::chooseFolderToRemove() {
    if (m_added.isEmpty()) return;
    bool ok = false;
    const QString dir = QInputDialog::getItem(this, tr("Remove an added folder"), tr("Stop looking in:"), m_added, 0,
                                              false, &ok);
    if (ok) removeFolder(dir);
}

bool ModelsWindow::isSearching() const { return m_job->isBusy(); }

QString ModelsWindow::statusText() const { return m_status->text(); }

void ModelsWindow::refresh() {
    m_listedOnce = true;
    setTextRole(m_status, TextRole::Normal);
    m_status->setText(tr("Looking for models..."));
    m_refresh->setEnabled(false);
    const auto added = toPaths(m_added);
    m_job->submit<core::DiscoveryListing>(
        [added](const std::atomic<bool>& cancel) -> core::Result<core::DiscoveryListing> {
            core::DiscoveryOptions options;
            options.cancel = &cancel;
            return core::discoverModels(core::defaultDiscoveryRoots(added), options);
        },
        [this](core::Result<core::DiscoveryListing> listing) {
            m_refresh->setEnabled(true);
            if (!listing) {
                setTextRole(m_status, TextRole::Error);
                m_status->setText(tr("Could not list the models: %1").arg(QString::fromStdString(listing.error())));
                return;
            }
            showListing(std::move(listing.value()));
        });
}

void ModelsWindow::showListing(core::DiscoveryListing listing) {
    int opens = 0;
    for (const auto& m : listing.models) opens += m.supported ? 1 : 0;
    const int total = static_cast<int>(listing.models.size());
    m_list->setModels(std::move(listing.models));
    QHeaderView* header = m_table->horizontalHeader();
    for (int c = 0; c < ModelList::ColumnCount; ++c) {
        header->setSectionResizeMode(c, c == ModelList::Reason ? QHeaderView::Stretch : QHeaderView::Interactive);
    }
    m_table->resizeColumnsToContents();
    m_table->setColumnWidth(ModelList::Name, std::min(m_table->columnWidth(ModelList::Name), 340));
    showSelected();
    QString text = total == 0 ? tr("No models found. Add a folder that holds model folders or .gguf files.")
                              : (total == 1 ? tr("1 model, ") : tr("%1 models, ").arg(total)) +
                                    tr("%1 of them attnviz opens (double-click one to open it).").arg(opens);
    for (const std::string& w : listing.warnings) text += QStringLiteral("\n") + QString::fromStdString(w);
    m_status->setText(text);
    updateButtons();
    emit listed();
}

void ModelsWindow::openRow(int viewRow) {
    const QModelIndex source = m_sorted->mapToSource(m_sorted->index(viewRow, 0));
    if (!source.isValid()) return;
    const core::DiscoveredModel& m = m_list->at(source.row());
    if (!m.supported) {
        setTextRole(m_status, TextRole::Error);
        m_status->setText(tr("%1 cannot be opened: %2").arg(QString::fromStdString(m.name), QString::fromStdString(m.reason)));
        return;
    }
    setTextRole(m_status, TextRole::Normal);
    m_status->setText(tr("Opening %1...").arg(QString::fromStdString(m.name)));
    emit openRequested(QString::fromStdString(m.path.string()));
}

void ModelsWindow::showSelected() {
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty()) {
        m_detail->setText(tr("Select a model to see where it is; double-click it to open it."));
        return;
    }
    const core::DiscoveredModel& m = m_list->at(m_sorted->mapToSource(rows.first()).row());
    QString text = QDir::toNativeSeparators(QString::fromStdString(m.path.string()));
    if (!m.reason.empty()) {
        text += QStringLiteral("\n") + (m.supported ? QString() : tr("Not supported: ")) + QString::fromStdString(m.reason);
    }
    m_detail->setText(text);
}

void ModelsWindow::showOpened(const QString& name) {
    setTextRole(m_status, TextRole::Normal);
    m_status->setText(tr("%1 is open in the main window.").arg(name));
}

void ModelsWindow::showOpenFailed(const QString& message) {
    setTextRole(m_status, TextRole::Error);
    m_status->setText(message);
}

void ModelsWindow::updateButtons() {
    m_remove->setEnabled(!m_added.isEmpty());
    m_open->setEnabled(m_table->selectionModel()->hasSelection());
}

void ModelsWindow::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (!m_listedOnce) refresh();
}

}  // namespace attnviz::ui
