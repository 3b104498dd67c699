#include "window/view_binding.h"

#include "attnviz/ui/views/analysis_view.h"
#include "attnviz/ui/views/compare_view.h"
#include "attnviz/ui/views/difference_view.h"
#include "attnviz/ui/views/head_grid_view.h"
#include "attnviz/ui/views/head_view.h"
#include "panels/compare_page.h"
#include "panels/head_stats_panel.h"
#include "panels/token_strip.h"
#include "panels/view_controls.h"
#include "window/view_state.h"

namespace attnviz::ui {
namespace {

// What every figure shares: the style and the highlighted token (a click on
// a token in any view highlights it in all of them).
void bindPlotView(ViewState& state, PlotView& view) {
    view.setViewStyle(state.viewStyle());
    view.setHighlightToken(state.highlightToken());
    QObject::connect(&state, &ViewState::viewStyleChanged, &view, &PlotView::setViewStyle);
    QObject::connect(&state, &ViewState::highlightTokenChanged, &view, &PlotView::setHighlightToken);
    QObject::connect(&view, &PlotView::tokenClicked, &state, &ViewState::setHighlightToken);
}

void showCompareHeads(DifferenceView& view, const std::vector<HeadRef>& heads) {
    if (heads.size() >= 2) view.setHeads(heads[0], heads[1]);
}

}  // namespace

void bindViewState(ViewState& state, HeadView& view) {
    bindPlotView(state, view);
    view.setShowSteps(state.showSteps());
    view.setHead(state.head());
    QObject::connect(&state, &ViewState::showStepsChanged, &view, &HeadView::setShowSteps);
    QObject::connect(&state, &ViewState::headChanged, &view, &HeadView::setHead);
    QObject::connect(&view, &HeadView::headChanged, &state, &ViewState::setHead);
}

void bindViewState(ViewState& state, HeadGridView& view) {
    bindPlotView(state, view);
    view.setCurrentHead(state.head());
    QObject::connect(&state, &ViewState::headChanged, &view, &HeadGridView::setCurrentHead);
    QObject::connect(&view, &HeadGridView::headActivated, &state, &ViewState::setHead);
}

void bindViewState(ViewState& state, DifferenceView& view) {
    bindPlotView(state, view);
    view.setHead(state.head());
    showCompareHeads(view, state.compareHeads());
    QObject::connect(&state, &ViewState::headChanged, &view, &DifferenceView::setHead);
    QObject::connect(&state, &ViewState::compareHeadsChanged, &view,
                     [&view](const std::vector<HeadRef>& heads) { showCompareHeads(view, heads); });
}

void bindViewState(ViewState& state, AnalysisView& view) {
    bindPlotView(state, view);
    view.setHead(state.head());
    QObject::connect(&state, &ViewState::headChanged, &view, &AnalysisView::setHead);
}

void bindViewState(ViewState& state, ComparePage& page) {
    bindPlotView(state, *page.view());
    page.setHeads(state.compareHeads());
    // The page announces every list it shows, the state only changes: the
    // check keeps the page from redrawing the list it just sent.
    QObject::connect(&state, &ViewState::compareHeadsChanged, &page, [&page](const std::vector<HeadRef>& heads) {
        if (heads != page.heads()) page.setHeads(heads);
    });
    QObject::connect(&page, &ComparePage::headsChanged, &state, &ViewState::setCompareHeads);
    QObject::connect(&page, &ComparePage::addCurrentRequested, &state,
                     [&state, &page] { page.addHead(state.head()); });
}

void bindViewState(ViewState& state, ViewControls& controls) {
    controls.setHead(state.head());
    controls.setViewStyle(state.viewStyle());
    controls.setShowSteps(state.showSteps());
    // The controls' setters are silent, so these do not echo back.
    QObject::connect(&state, &ViewState::headChanged, &controls, &ViewControls::setHead);
    QObject::connect(&state, &ViewState::viewStyleChanged, &controls, &ViewControls::setViewStyle);
    QObject::connect(&state, &ViewState::showStepsChanged, &controls, &ViewControls::setShowSteps);
    QObject::connect(&controls, &ViewControls::headChanged, &state, &ViewState::setHead);
    QObject::connect(&controls, &ViewControls::viewStyleChanged, &state, &ViewState::setViewStyle);
    QObject::connect(&controls, &ViewControls::showStepsChanged, &state, &ViewState::setShowSteps);
}

void bindViewState(ViewState& state, HeadStatsPanel& panel) {
    panel.setCurrentHead(state.head());
    QObject::connect(&state, &ViewState::headChanged, &panel, &HeadStatsPanel::setCurrentHead);
    QObject::connect(&panel, &HeadStatsPanel::headSelected, &state, &ViewState::setHead);
}

void bindViewState(ViewState& state, TokenStrip& strip) {
    strip.setHighlightToken(state.highlightToken());
    QObject::connect(&state, &ViewState::highlightTokenChanged, &strip, &TokenStrip::setHighlightToken);
    QObject::connect(&strip, &TokenStrip::tokenClicked, &state, &ViewState::setHighlightToken);
}

}  // namespace attnviz::ui
