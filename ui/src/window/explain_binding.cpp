#include "window/explain_binding.h"

#include "attnviz/ui/session/session_model.h"
#include "attnviz/ui/views/explain_view.h"
#include "window/view_state.h"
#include "window/view_tabs.h"

namespace attnviz::ui {

void bindExplain(ViewTabs& tabs, ExplainView& view, ViewState& state, SessionModel& session) {
    // The layer to capture: the chosen head's while the tab is open, none
    // otherwise (a capture costs a copy of the layer's activations).
    const auto updateCapture = [&tabs, &view, &state, &session] {
        RunFeatures features = session.features();
        const HeadRef head = state.head();
        features.captureLayer = tabs.currentWidget() == &view && !head.isMean() ? head.layer : -1;
        session.setFeatures(features);
    };
    QObject::connect(&tabs, &QTabWidget::currentChanged, &view, updateCapture);
    QObject::connect(&state, &ViewState::headChanged, &view, [&view, updateCapture](HeadRef head) {
        view.setHead(head);
        updateCapture();
    });
    QObject::connect(&state, &ViewState::highlightTokenChanged, &view, &ExplainView::setQuery);
    QObject::connect(&view, &ExplainView::queryChosen, &state, &ViewState::setHighlightToken);
    const auto showResult = [&view, &session] { view.setResult(session.result()); };
    QObject::connect(&session, &SessionModel::resultReady, &view, showResult);
    QObject::connect(&session, &SessionModel::resultUpdated, &view, showResult);
    view.setHead(state.head());
    view.setQuery(state.highlightToken());
    updateCapture();
}

}  // namespace attnviz::ui
