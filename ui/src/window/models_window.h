// File > Models...: every model on this machine (Hugging Face cache, Ollama,
// LM Studio, llama.cpp, added folders) in a sortable table; double-click (or
// Open) opens a supported one, an unsupported one says why. The listing is
// made on a worker thread (core::discoverModels); folders the user adds are
// handed to the window to remember (addedFoldersChanged).
#pragma once

#include "attnviz/core/model_discovery.h"

#include <QStringList>
#include <QWidget>

class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace attnviz::ui {

class LatestJob;
class ModelList;

class ModelsWindow : public QWidget {
    Q_OBJECT

public:
    explicit ModelsWindow(QWidget* parent = nullptr);
    ~ModelsWindow() override;

    void setAddedFolders(const QStringList& folders);
    QStringList addedFolders() const { return m_added; }
    // Adds a folder to look in (remembered through addedFoldersChanged) and lists again.
    void addFolder(const QString& dir);
    void removeFolder(const QString& dir);
    // Lists the models again, on the worker (listed() when done).
    void refresh();
    bool isSearching() const;
    // Opens the model of a row of the table's (sorted) view: emits
    // openRequested for a supported one, shows the reason otherwise.
    void openRow(int viewRow);

    // What came of the last open: the window's status line says it.
    void showOpened(const QString& name);
    void showOpenFailed(const QString& message);

    QTableView* table() const { return m_table; }
    const ModelList* list() const { return m_list; }
    QString statusText() const;

signals:
    void openRequested(const QString& path);
    void addedFoldersChanged(const QStringList& folders);
    void listed();

protected:
    void showEvent(QShowEvent* event) override;

private:
    void chooseFolderToAdd();
    void chooseFolderToRemove();
    void showListing(core::DiscoveryListing listing);
    void updateButtons();
    void showSelected();

    QStringList m_added;
    bool m_listedOnce = false;
    ModelList* m_list = nullptr;
    QSortFilterProxyModel* m_sorted = nullptr;
    QTableView* m_table = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_detail = nullptr;  // the selected row's path and full reason
    QPushButton* m_open = nullptr;
    QPushButton* m_refresh = nullptr;
    QPushButton* m_remove = nullptr;
    LatestJob* m_job = nullptr;
};

}  // namespace attnviz::ui
