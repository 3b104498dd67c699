// Binds the views and panels to the window's ViewState: each takes the
// state's current values at once, follows its changes, and writes to it on
// user action (a head picked, a token clicked, a style chosen). The views
// work without a state too: attnviz-cli export sets them directly.
#pragma once

namespace attnviz::ui {

class AnalysisView;
class ComparePage;
class DifferenceView;
class HeadGridView;
class HeadStatsPanel;
class HeadView;
class TokenStrip;
class ViewControls;
class ViewState;

// Every view: style and highlighted token, plus what each one follows.
void bindViewState(ViewState& state, HeadView& view);        // head, steps; arrow keys move the head
void bindViewState(ViewState& state, HeadGridView& view);    // current head's outline; a click picks it
void bindViewState(ViewState& state, DifferenceView& view);  // head; first two compared heads
void bindViewState(ViewState& state, AnalysisView& view);    // head (layer for the per-layer aggregates)
void bindViewState(ViewState& state, ComparePage& page);     // compared heads, both ways
// Panels.
void bindViewState(ViewState& state, ViewControls& controls);  // head, style, steps, both ways
void bindViewState(ViewState& state, HeadStatsPanel& panel);   // the current head's row
void bindViewState(ViewState& state, TokenStrip& strip);       // highlighted token, both ways

}  // namespace attnviz::ui
