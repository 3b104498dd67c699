// The Compare tab: the list of heads (typed as layer:head, added from the
// head view or by Ctrl+click in the overview) above the CompareView.
#pragma once

#include "attnviz/ui/session/head_ref.h"

#include <QWidget>

#include <vector>

class QLabel;
class QLineEdit;

namespace attnviz::ui {

class CompareView;

class ComparePage : public QWidget {
    Q_OBJECT

public:
    explicit ComparePage(QWidget* parent = nullptr);

    CompareView* view() const { return m_view; }
    const std::vector<HeadRef>& heads() const { return m_heads; }
    // Checks against the model's shape; shows the problem next to the list.
    void setModelShape(int nLayers, int nHeads);
    void setHeads(const std::vector<HeadRef>& heads);
    void addHead(HeadRef head);

signals:
    void headsChanged(const std::vector<attnviz::ui::HeadRef>& heads);
    void addCurrentRequested();

private:
    void parseEdit();

    CompareView* m_view = nullptr;
    QLineEdit* m_edit = nullptr;
    QLabel* m_problem = nullptr;
    std::vector<HeadRef> m_heads;
    int m_nLayers = 1;
    int m_nHeads = 1;
};

}  // namespace attnviz::ui
