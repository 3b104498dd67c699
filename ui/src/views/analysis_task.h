// What the aggregates view computes for one figure: the matrix of an
// aggregate and, under a shared colour range, the largest value it shows
// over every layer or head of that aggregate. On a lazy trace of thousands
// of tokens that reads hundreds of heads (each recomputed) and, for rollout,
// multiplies seqLen^3: AnalysisView runs a task on a worker thread when its
// cost says so, and on the GUI thread when it is quick.
#pragma once

#include "attnviz/core/analysis_control.h"
#include "attnviz/core/attention_trace.h"
#include "attnviz/core/result.h"
#include "attnviz/ui/plot/matrix.h"
#include "attnviz/ui/session/head_ref.h"
#include "attnviz/ui/views/analysis_kind.h"

#include <memory>
#include <optional>
#include <vector>

namespace attnviz::ui {

struct AnalysisTask {
    std::shared_ptr<const core::AttentionTrace> trace;
    AnalysisKind kind = AnalysisKind::Rollout;
    HeadRef at;                // the matrix's layer (and head), AnalysisView::matrixHead
    bool wantMatrix = true;    // false: only the shared maximum
    bool wantShared = false;   // the largest shown value over every layer / head of `kind`
    std::vector<int> keep;     // the shown tokens, for the shared maximum
};

struct AnalysisOutcome {
    std::optional<core::Result<Matrix>> matrix;  // when wanted
    std::optional<float> shared;                 // when wanted and computed
};

// The shown tokens' rows and columns of an aggregate's (seqLen, seqLen)
// matrix (rows renormalised where the aggregate's rows sum to 1).
Matrix analysisShownPart(const Matrix& full, const std::vector<int>& keep, AnalysisKind kind);

// True when the shared maximum of `kind` reads other matrices than the one
// drawn (every layer of a per-layer aggregate, every head of value norms);
// otherwise it is the drawn matrix's own maximum.
bool sharedReadsOthers(AnalysisKind kind);

// How many heads the task reads (each recomputed on a lazy trace).
long long analysisHeadReads(const AnalysisTask& task);

// A rough cost in units of reading one float of an eager trace: the heads
// read (a lazy trace recomputes each) plus rollout's products.
double analysisCost(const AnalysisTask& task);

// Runs the task; cancelled through `control`, the outcome is incomplete.
AnalysisOutcome runAnalysisTask(const AnalysisTask& task, const core::AnalysisControl& control = {});

}  // namespace attnviz::ui
