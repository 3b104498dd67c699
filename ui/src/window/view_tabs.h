// The figures as the window's tabs: head, overview, compare, difference
// and aggregates (the last three inside their pages), then the alignment
// view (encoder-decoder models only), the generation panel and the Explain
// view.
#pragma once

#include <QStringList>
#include <QTabWidget>

#include <vector>

namespace attnviz::ui {

class AlignmentView;
class AnalysisPage;
class GenerationPanel;
class SessionModel;
class ComparePage;
class DifferencePage;
class ExplainView;
class HeadGridView;
class HeadView;
class PlotView;

class ViewTabs : public QTabWidget {
    Q_OBJECT

public:
    // `session` feeds the generation panel (null: no generation tab).
    explicit ViewTabs(QWidget* parent = nullptr, SessionModel* session = nullptr);

    // The View menu's entries, in tab order.
    static QStringList menuNames();

    HeadView* headView() const { return m_headView; }
    HeadGridView* overview() const { return m_overview; }
    ComparePage* comparePage() const { return m_compare; }
    DifferencePage* differencePage() const { return m_difference; }
    AnalysisPage* analysisPage() const { return m_analysis; }
    AlignmentView* alignmentView() const { return m_alignment; }
    GenerationPanel* generationPanel() const { return m_generation; }
    ExplainView* explainView() const { return m_explain; }
    // The alignment tab is shown for encoder-decoder models only.
    void setEncoderDecoder(bool encoderDecoder);
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
    AlignmentView* m_alignment = nullptr;
    GenerationPanel* m_generation = nullptr;
    ExplainView* m_explain = nullptr;
};

}  // namespace attnviz::ui
