#include "window/view_state.h"

#include <algorithm>

namespace attnviz::ui {

ViewState::ViewState(QObject* parent) : QObject(parent) {}

void ViewState::setModelShape(int nLayers, int nHeads) {
    m_nLayers = std::max(0, nLayers);
    m_nHeads = std::max(0, nHeads);
    if (m_nLayers == 0) return;
    setHead(m_head);
    std::vector<HeadRef> kept;
    for (const HeadRef& h : m_compareHeads) {
        if (h.layer < m_nLayers && h.head < m_nHeads) kept.push_back(h);
    }
    setCompareHeads(kept);
}

HeadRef ViewState::clamped(HeadRef head) const {
    if (m_nLayers == 0) return head;
    return {std::clamp(head.layer, 0, m_nLayers - 1), std::clamp(head.head, -1, std::max(0, m_nHeads - 1))};
}

void ViewState::setHead(HeadRef head) {
    head = clamped(head);
    if (head == m_head) return;
    m_head = head;
    emit headChanged(m_head);
}

void ViewState::setHighlightToken(int token) {
    token = std::max(-1, token);
    if (token == m_highlight) return;
    m_highlight = token;
    emit highlightTokenChanged(m_highlight);
}

void ViewState::setViewStyle(const ViewStyle& style) {
    if (style == m_style) return;
    m_style = style;
    emit viewStyleChanged(m_style);
}

void ViewState::setShowSteps(bool show) {
    if (show == m_showSteps) return;
    m_showSteps = show;
    emit showStepsChanged(m_showSteps);
}

void ViewState::setCompareHeads(const std::vector<HeadRef>& heads) {
    if (heads == m_compareHeads) return;
    m_compareHeads = heads;
    emit compareHeadsChanged(m_compareHeads);
}

}  // namespace attnviz::ui
