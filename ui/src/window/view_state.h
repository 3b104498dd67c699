// What the views show, owned in one place: the current layer and head, the
// highlighted token, the colour scale and range and the hidden specials
// (ViewStyle), the score steps and the heads under comparison. Views and
// panels are bound to it (view_binding.h): they follow its signals and write
// to it on user action, so no one hands this state around by hand. Setters
// emit only on a change.
#pragma once

#include "attnviz/ui/plot/view_style.h"
#include "attnviz/ui/session/head_ref.h"

#include <QObject>

#include <vector>

namespace attnviz::ui {

class ViewState : public QObject {
    Q_OBJECT

public:
    explicit ViewState(QObject* parent = nullptr);

    // The model's shape: the head is clamped into it (head -1, the layer
    // mean, stays) and compared heads outside it are dropped. Until a shape
    // is known (0 layers) nothing is clamped.
    void setModelShape(int nLayers, int nHeads);
    int layerCount() const { return m_nLayers; }
    int headCount() const { return m_nHeads; }

    HeadRef head() const { return m_head; }
    void setHead(HeadRef head);
    // The run token whose row and column are highlighted (-1: none).
    int highlightToken() const { return m_highlight; }
    void setHighlightToken(int token);
    const ViewStyle& viewStyle() const { return m_style; }
    void setViewStyle(const ViewStyle& style);
    // The head view shows scores, masked scores and probabilities.
    bool showSteps() const { return m_showSteps; }
    void setShowSteps(bool show);
    // The heads of the Compare tab; the first two are the Difference tab's
    // "head A - head B".
    const std::vector<HeadRef>& compareHeads() const { return m_compareHeads; }
    void setCompareHeads(const std::vector<HeadRef>& heads);

signals:
    void headChanged(attnviz::ui::HeadRef head);
    void highlightTokenChanged(int token);
    void viewStyleChanged(const attnviz::ui::ViewStyle& style);
    void showStepsChanged(bool show);
    void compareHeadsChanged(const std::vector<attnviz::ui::HeadRef>& heads);

private:
    HeadRef clamped(HeadRef head) const;

    int m_nLayers = 0;
    int m_nHeads = 0;
    HeadRef m_head;
    int m_highlight = -1;
    ViewStyle m_style;
    bool m_showSteps = false;
    std::vector<HeadRef> m_compareHeads;
};

}  // namespace attnviz::ui
