// What a Session keeps between runs (guarded by `mutex`: runs may overlap).
#pragma once

#include "attnviz/core/prefix_cache.h"
#include "attnviz/core/session.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace attnviz::core {

struct Session::Cache {
    std::mutex mutex;
    // Induction is a property of (model, mask): measured once per resolved mask.
    std::map<std::string, std::shared_ptr<const InductionMeasurement>> induction;
    std::map<std::string, std::string> inductionProblem;
    // The last run under the model's own mask (the difference view reuses it
    // while only the mask changes).
    std::shared_ptr<const AttentionTrace> defaultTrace;
    // Set when the checkpoint turned out to have no LM head: later runs skip it.
    std::string lmHeadProblem;
    // The rows the last successful run kept for the next (causal models):
    // a run takes it out and puts it back only when it succeeds, so a
    // cancelled or failed run leaves none behind; runs at the same time get
    // an empty one each.
    std::unique_ptr<PrefixCache> prefix;
};

}  // namespace attnviz::core
