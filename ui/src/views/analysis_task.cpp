#include "views/analysis_task.h"

#include <algorithm>

namespace attnviz::ui {
Matrix analysisShownPart(const Matrix& full, const std::vector<int>& keep, AnalysisKind kind) {
    if (static_cast<int>(keep.size()) == full.rows()) return full;
    return selectTokens(full, keep, analysisRowsSumToOne(kind));
}

namespace {

// The matrices the shared maximum of `kind` reads besides the drawn one.
std::vector<HeadRef> sharedHeads(const core::AttentionTrace& trace, AnalysisKind kind) {
    std::vector<HeadRef> heads;
    if (analysisUsesHead(kind)) {
        for (int l = 0; l < trace.nLayers(); ++l) {
            for (int h = 0; h < trace.nHeads(); ++h) heads.push_back({l, h});
        }
    } else if (sharedReadsOthers(kind)) {
        for (int l = 0; l < trace.nLayers(); ++l) heads.push_back({l, 0});
    }
    return heads;
}

// The heads one matrix of `kind` at `at` reads.
long long matrixHeadReads(const core::AttentionTrace& trace, AnalysisKind kind, HeadRef at) {
    const long long heads = trace.nHeads();
    switch (kind) {
    case AnalysisKind::MeanOverHeads:
    case AnalysisKind::MaxOverHeads: return heads;
    case AnalysisKind::MeanOverLayers: return heads * trace.nLayers();
    case AnalysisKind::Rollout:
    case AnalysisKind::Flow: return heads * (at.layer + 1);
    case AnalysisKind::ValueNorms:
    case AnalysisKind::ValueNormsNormalized: return 1;
    }
    return heads;
}

}  // namespace

bool sharedReadsOthers(AnalysisKind kind) {
    return analysisUsesHead(kind) || (analysisUsesLayer(kind) && !analysisChainsLayers(kind));
}

long long analysisHeadReads(const AnalysisTask& task) {
    const core::AttentionTrace& trace = *task.trace;
    long long reads = task.wantMatrix ? matrixHeadReads(trace, task.kind, task.at) : 0;
    if (task.wantShared) {
        for (HeadRef h : sharedHeads(trace, task.kind)) reads += matrixHeadReads(trace, task.kind, h);
    }
    return reads;
}

double analysisCost(const AnalysisTask& task) {
    // Attention flow solves seqLen^2 maximum flows: seconds past a few dozen tokens.
    if (task.kind == AnalysisKind::Flow && task.wantMatrix) return 1e300;
    const core::AttentionTrace& trace = *task.trace;
    const double T = trace.seqLen();
    // A lazy trace computes each head it hands out (q.k over the head
    // dimension, then the softmax): a few times the cost of reading it.
    const double perCell = trace.isLazy() ? 4.0 : 1.0;
    double cost = static_cast<double>(analysisHeadReads(task)) * T * T * perCell;
    // Rollout's product per layer: seqLen^3 / 2 multiply-adds (triangular
    // under a causal mask) in double, about a tenth of a float read each.
    if (task.kind == AnalysisKind::Rollout && task.wantMatrix) cost += T * T * T * (task.at.layer + 1) / 20.0;
    return cost;
}

AnalysisOutcome runAnalysisTask(const AnalysisTask& task, const core::AnalysisControl& control) {
    const core::AttentionTrace& trace = *task.trace;
    AnalysisOutcome out;
    const double matrixShare = task.wantMatrix ? static_cast<double>(matrixHeadReads(trace, task.kind, task.at)) /
                                                     std::max<long long>(1, analysisHeadReads(task))
                                               : 0.0;
    if (task.wantMatrix) {
        out.matrix = analysisMatrix(trace, task.kind, task.at, control.part(0.0, matrixShare));
        if (control.cancelled()) return out;
    }
    if (!task.wantShared) return out;
    if (!sharedReadsOthers(task.kind)) {
        // Rollout and the mean over layers: one matrix, the drawn one.
        if (out.matrix && *out.matrix) out.shared = maxFinite(analysisShownPart(**out.matrix, task.keep, task.kind));
        return out;
    }
    const std::vector<HeadRef> heads = sharedHeads(trace, task.kind);
    const double step = (1.0 - matrixShare) / static_cast<double>(std::max<std::size_t>(1, heads.size()));
    float best = 0.0f;
    for (std::size_t i = 0; i < heads.size() && !control.cancelled(); ++i) {
        auto m = analysisMatrix(trace, task.kind, heads[i], control.part(matrixShare + step * i, step));
        if (m) best = std::max(best, maxFinite(analysisShownPart(*m, task.keep, task.kind)));
    }
    out.shared = best;
    return out;
}

}  // namespace attnviz::ui
