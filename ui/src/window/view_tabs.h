// The five figures as the window's tabs: head, overview, compare,
// difference and aggregates (the last three inside their pages).
#pragma once

#include <QStringList>
#include <QTabWidget>

#include <vector>

namespace attnviz::ui {

class AnalysisPage;
class ComparePage;
class DifferencePage;
class HeadGridView;
class HeadView;
class PlotView;

class ViewTabs : public QTabWidget {
    Q_OBJECT

public:
    explicit ViewTabs(QWidget* parent = nullptr);

    // The View menu's entries, in tab order.
    static QStringList menuNames();

    HeadView* headView() const { return m_headView; }
    HeadGridView* overview() const { return m_overview; }
    ComparePage* comparePage() const { return m_compare; }
    DifferencePage* differencePage() const { return m_difference; }
    AnalysisPage* analysisPage() const { return m_analysis; }
    // Every figure, in tab order.
    std::vector<PlotView*> views() const;
    PlotView* currentView() const;
    // What every view says while there is no result.
    void setPlaceholder(const QString& text);
    // Whether the open tab shows the current head (head, difference, an
    // aggregate of one head or layer) rather than heads of its own.
    bool currentFollowsHead() const;

private:
    HeadView* m_headView = nullptr;
    HeadGridView* m_overview = nullptr;
    ComparePage* m_compare = nullptr;
    DifferencePage* m_difference = nullptr;
    AnalysisPage* m_analysis = nullptr;
};

}  // namespace attnviz::ui
