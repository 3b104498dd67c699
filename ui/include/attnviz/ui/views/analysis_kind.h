// The aggregates the Aggregates view draws, each with the formula the core
// computes it by (tools disagree on how to aggregate heads, so the formula
// goes into the tooltip, the figure and every export), and the matrices
// themselves from a trace.
#pragma once

#include "attnviz/core/analysis_control.h"
#include "attnviz/core/result.h"
#include "attnviz/ui/plot/matrix.h"
#include "attnviz/ui/session/head_ref.h"

#include <QString>
#include <QStringList>

#include <optional>
#include <string_view>
#include <vector>

namespace attnviz::core {
class AttentionTrace;
}

namespace attnviz::ui {

enum class AnalysisKind {
    MeanOverHeads,         // one layer: mean over its heads
    MaxOverHeads,          // one layer: elementwise max over its heads
    MeanOverLayers,        // every layer: mean of the head means
    Rollout,               // layers 0..n (Abnar & Zuidema 2020)
    Flow,                  // layers 0..n, max-flow over the layer graph (Abnar & Zuidema 2020)
    ValueNorms,            // one head: ||a_ij f(x_j)|| (Kobayashi et al. 2020)
    ValueNormsNormalized,  // the same, rows scaled to sum to 1
};

inline constexpr AnalysisKind kAllAnalysisKinds[] = {
    AnalysisKind::Rollout,        AnalysisKind::Flow,          AnalysisKind::ValueNorms,
    AnalysisKind::ValueNormsNormalized,
    AnalysisKind::MeanOverHeads,  AnalysisKind::MaxOverHeads,  AnalysisKind::MeanOverLayers};

// "rollout", "flow", "value-norms", "value-norms-normalized", "mean-heads",
// "max-heads", "mean-layers": attnviz-cli export --view and file names.
QString analysisKindName(AnalysisKind kind);
std::optional<AnalysisKind> analysisKindFromName(const QString& name);
QStringList analysisKindNames();
// "Rollout", "Value-weighted norms", ... (menus, titles).
QString analysisKindLabel(AnalysisKind kind);
// The core's formula string (aggregates.h, rollout.h, value_weighted.h).
QString analysisFormula(AnalysisKind kind);
// The label of the colour scale.
QString analysisValueName(AnalysisKind kind);

// Which part of the head selection the kind reads.
bool analysisUsesLayer(AnalysisKind kind);  // mean/max over heads: the layer; rollout: the last layer
bool analysisUsesHead(AnalysisKind kind);   // value norms: layer and head
// Rollout and flow: the layers 0..the chosen last one, chained.
bool analysisChainsLayers(AnalysisKind kind);
// True when values lie in [0, 1] (probabilities, rollout, normalised norms).
bool analysisIsBounded(AnalysisKind kind);
// True when every row sums to 1, so rows are renormalised when tokens are hidden.
bool analysisRowsSumToOne(AnalysisKind kind);

QString toQString(std::string_view text);
// Breaks long text into lines of at most `maxChars` at spaces (plain-text
// tooltips do not wrap by themselves). Existing line breaks stay.
QString wrapToolTip(const QString& text, int maxChars = 100);

// The full (seqLen, seqLen) matrix, row = query, computed by the core.
// `head` picks the layer (mean/max, value norms; for rollout the last layer
// included) and the head (value norms). Errors name what is missing (a
// mean "head" for value norms, a run without value norms). Flow solves
// seqLen^2 maximum flows: the GUI runs it off the GUI thread (AnalysisView).
// Cancelled through `control`, the result is incomplete: drop it.
core::Result<Matrix> analysisMatrix(const core::AttentionTrace& trace, AnalysisKind kind, HeadRef head,
                                    const core::AnalysisControl& control = {});

}  // namespace attnviz::ui
