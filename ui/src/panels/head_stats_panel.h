// The "Heads" panel: the statistics table of the run (sortable by any
// column), linked to the head view (select a row to show that head; the
// current head's row is selected) and to the overview (hovering a thumbnail
// marks its row), with "find heads like this one" and an export of the table
// (CSV) or of every analysis (JSON). Similarity rankings are computed off the
// GUI thread: they cost (heads x tokens^2) divergences.
#pragma once

#include "attnviz/core/head_search.h"
#include "attnviz/core/result.h"
#include "attnviz/ui/session/head_ref.h"
#include "attnviz/ui/session/latest_job.h"
#include "attnviz/ui/session/session_result.h"

#include <QWidget>

#include <atomic>
#include <memory>

class QLabel;
class QPushButton;
class QTableView;

namespace attnviz::ui {

class HeadStatsModel;

class HeadStatsPanel : public QWidget {
    Q_OBJECT

public:
    explicit HeadStatsPanel(QWidget* parent = nullptr);

    void setResult(std::shared_ptr<const SessionResult> result);
    const std::shared_ptr<const SessionResult>& result() const { return m_result; }
    // Selects the head's row without emitting headSelected (none for a layer mean).
    void setCurrentHead(HeadRef head);
    HeadRef currentHead() const { return m_current; }
    // Marks the row of a head hovered elsewhere ({-1, -1}: none) and scrolls to it.
    void setHoveredHead(HeadRef head);

    // Ranks every head by similarity to `head` (kHeadSimilarityFormula) and
    // sorts by it, most similar first; similarityReady when done.
    void findSimilar(HeadRef head);
    void clearSimilar();

    // CSV (the table in its current order) or JSON (every analysis of the
    // run), by the file's suffix.
    core::Status exportTo(const QString& path) const;

    HeadStatsModel* model() const { return m_model; }
    QTableView* table() const { return m_table; }
    QPushButton* findButton() const { return m_find; }
    QString statusText() const;

signals:
    // The user selected a row.
    void headSelected(attnviz::ui::HeadRef head);
    void similarityReady();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    // Every column as wide as its cells and title need, the spare width shared.
    void fitColumns();
    void scheduleFit();
    void startSearch(HeadRef head, bool sortBySimilarity);
    void updateControls();
    void syncSortIndicator();
    void exportDialog();

    std::shared_ptr<const SessionResult> m_result;
    HeadStatsModel* m_model = nullptr;
    QTableView* m_table = nullptr;
    QPushButton* m_find = nullptr;
    QPushButton* m_clear = nullptr;
    QPushButton* m_export = nullptr;
    QLabel* m_status = nullptr;
    HeadRef m_current;
    bool m_updatingSelection = false;
    bool m_settingResult = false;  // setResult fits the columns once at its end
    bool m_searching = false;
    // How far the running ranking is, in thousandths (read by a timer for the status line).
    std::shared_ptr<std::atomic<int>> m_searchProgress;
    QTimer* m_searchTimer = nullptr;
    LatestJob* m_search = nullptr;  // the similarity ranking, off the GUI thread
    QString m_searchProblem;        // why the last ranking failed ("" otherwise)
};

}  // namespace attnviz::ui
