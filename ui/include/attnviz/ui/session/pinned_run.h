// A run kept aside to compare the live one with (pin and compare): another
// sentence, another mask, another model. The comparison lines the two runs'
// tokens up (core::alignRuns) and ranks their common heads by how much they
// changed (core::rankHeadChanges).
#pragma once

#include "attnviz/core/head_change.h"
#include "attnviz/core/run_alignment.h"
#include "attnviz/ui/session/session_compute.h"
#include "attnviz/ui/session/session_result.h"

#include <QString>
#include <QStringList>

#include <atomic>
#include <memory>
#include <vector>

namespace attnviz::ui {

struct PinnedRun {
    std::shared_ptr<const SessionResult> result;
    SessionInput input;  // what was typed for it
    // "attnviz-gpt2-gutenberg · causal · “The animal didn't…”"
    QString label() const;
};

struct RunComparison {
    std::shared_ptr<const SessionResult> live;
    std::shared_ptr<const SessionResult> pinned;
    core::RunAlignment alignment;        // A = live, B = pinned
    std::vector<core::HeadChange> ranking;  // most changed first
    QStringList unitLabels;              // the live tokens of each unit (joined)
    QStringList pinnedUnitLabels;        // the pinned tokens of each unit
    std::vector<int> unitTokens;         // the first live token of each unit
    int commonLayers = 0;
    int commonHeads = 0;
};

// How rows are compared and heads ranked, for the view's formula line.
QString headChangeFormula();

// Why the two cannot be compared ("" when they can): cross-attention, a
// trace of the other kind.
QString comparisonProblem(const SessionResult& live, const PinnedRun& pinned);
// Seconds at real sizes (every head, O(T^2) each): run it off the GUI thread.
std::shared_ptr<const RunComparison> compareRuns(std::shared_ptr<const SessionResult> live, const SessionInput& liveInput,
                                                 const PinnedRun& pinned, const std::atomic<bool>* cancel = nullptr);

}  // namespace attnviz::ui
