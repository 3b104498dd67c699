// Lets a long analysis (an aggregate over a lazy trace of thousands of
// tokens reads hundreds of heads) run on a worker thread: it stops early
// when `cancel` turns true, its result then incomplete and to be dropped,
// and reports how far it is, in thousandths, for a progress bar.
//
//   std::atomic<bool> cancel{false};
//   std::atomic<int> permille{0};
//   RowMatrix m = meanOverLayers(trace, {&cancel, &permille});
//   if (!cancel) use(m);
#pragma once

#include <algorithm>
#include <atomic>

namespace attnviz::core {

struct AnalysisControl {
    const std::atomic<bool>* cancel = nullptr;
    std::atomic<int>* permille = nullptr;
    // This call's share of the whole job's progress: [from, from + span).
    double from = 0.0;
    double span = 1.0;

    bool cancelled() const { return cancel != nullptr && cancel->load(std::memory_order_relaxed); }
    // `fraction` (0..1) of this call is done.
    void progress(double fraction) const {
        if (permille == nullptr) return;
        const double whole = from + span * std::clamp(fraction, 0.0, 1.0);
        permille->store(static_cast<int>(whole * 1000.0), std::memory_order_relaxed);
    }
    // The control of a part of this call that covers [start, start + length) of it.
    AnalysisControl part(double start, double length) const {
        return {cancel, permille, from + span * start, span * length};
    }
};

}  // namespace attnviz::core
