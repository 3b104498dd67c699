// From a result and a style to the numbers a view draws: which tokens are
// shown, the matrix of a head after hiding special tokens, and the colour
// range (this head / shared by all heads / fixed 0..1).
#pragma once

#include "attnviz/ui/plot/matrix.h"
#include "attnviz/ui/plot/view_style.h"
#include "attnviz/ui/session/head_ref.h"
#include "attnviz/ui/session/session_result.h"

#include <utility>
#include <vector>

namespace attnviz::ui {

class HeatmapPanel;

// The run-token index of every shown row/column.
std::vector<int> shownTokens(const SessionResult& result, const ViewStyle& style);

// The run-token index of every shown column: shownTokens, or the shown source
// tokens of cross-attention.
std::vector<int> shownColTokens(const SessionResult& result, const ViewStyle& style);

// Puts `matrix` (over the shown rows and columns of `result`) into `panel`
// with its token labels: separate column labels for cross-attention.
void setShownData(HeatmapPanel& panel, const SessionResult& result, const Matrix& matrix, const ViewStyle& style);

// Probabilities of `head` in `trace` (the result's trace or its default-mask
// trace) over the shown tokens; rows renormalised when tokens are hidden.
// For cross-attention results the matrix is the result's cross-attention
// (shown target rows, shown source columns) whatever `trace` is.
Matrix shownAttention(const SessionResult& result, const core::AttentionTrace& trace, HeadRef head,
                      const ViewStyle& style);
// Scores over the shown tokens (masked = NaN); empty for a layer mean.
Matrix shownScores(const SessionResult& result, HeadRef head, const ViewStyle& style, bool masked);

// The largest shown probability over every head of `trace` (layer means
// never exceed it).
float sharedMaximum(const SessionResult& result, const core::AttentionTrace& trace, const ViewStyle& style);

// [0, upper] for probabilities: upper is `ownMax`, `sharedMax` or 1 by mode.
std::pair<double, double> attentionRange(RangeMode mode, float ownMax, float sharedMax);

}  // namespace attnviz::ui
