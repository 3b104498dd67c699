// The Difference tab: what to subtract (the chosen mask minus the model's
// own, the first two compared heads, or the live run minus a pinned one)
// above the DifferenceView; for a pinned run, the pin's label and the heads
// ranked by how much they changed beside it.
#pragma once

#include "attnviz/core/result.h"
#include "attnviz/ui/session/head_ref.h"

#include <QWidget>

#include <memory>

class QComboBox;
class QLabel;
class QPushButton;
class QTreeWidget;

namespace attnviz::ui {

class DifferenceView;
class ElidedLabel;
struct PinnedRun;
struct RunComparison;

class DifferencePage : public QWidget {
    Q_OBJECT

public:
    explicit DifferencePage(QWidget* parent = nullptr);

    DifferenceView* view() const { return m_view; }
    // Shows the pinned run's comparison (null: unpin).
    void setPinned(const PinnedRun* pinned);
    // Chooses what the view subtracts (the combo box follows).
    void showSource(int source);
    // The ranking shown (rows: rank order), for tests.
    QTreeWidget* ranking() const { return m_ranking; }
    // Fills the ranking from the view's comparison (after each redraw).
    void updateRanking();
    // Writes the ranking shown as CSV (exportHeadChangesCsv); an error when
    // there is none yet.
    core::Status exportRanking(const QString& path) const;

signals:
    void pinRequested();
    void headChosen(attnviz::ui::HeadRef head);

private:
    DifferenceView* m_view = nullptr;
    QComboBox* m_source = nullptr;
    QPushButton* m_pin = nullptr;
    QPushButton* m_unpin = nullptr;
    ElidedLabel* m_pinned = nullptr;
    QTreeWidget* m_ranking = nullptr;
    QPushButton* m_exportRanking = nullptr;
    QWidget* m_rankingPane = nullptr;  // the list and its export button
    std::shared_ptr<const RunComparison> m_ranked;  // the comparison the ranking shows
};

}  // namespace attnviz::ui
