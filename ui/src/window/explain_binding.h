// Wires the Explain tab to the window: it shows the head chosen above and
// the highlighted token as its query (clicking a key there highlights it),
// and while the tab is open the session captures the head's layer.
#pragma once

namespace attnviz::ui {

class ExplainView;
class SessionModel;
class ViewState;
class ViewTabs;

void bindExplain(ViewTabs& tabs, ExplainView& view, ViewState& state, SessionModel& session);

}  // namespace attnviz::ui
