#include "plot/view_data.h"

#include <algorithm>
#include <mutex>

namespace attnviz::ui {

std::vector<int> shownTokens(const SessionResult& result, const ViewStyle& style) {
    return result.visibleTokens(style.hideSpecial);
}

Matrix shownAttention(const SessionResult& result, const core::AttentionTrace& trace, HeadRef head,
                      const ViewStyle& style) {
    const Matrix full = attentionMatrix(trace, head.layer, head.head);
    const std::vector<int> keep = shownTokens(result, style);
    if (static_cast<int>(keep.size()) == full.rows()) return full;
    return selectTokens(full, keep, true);
}

Matrix shownScores(const SessionResult& result, HeadRef head, const ViewStyle& style, bool masked) {
    const Matrix full = scoreMatrix(*result.trace, head.layer, head.head, masked);
    if (full.empty()) return full;
    const std::vector<int> keep = shownTokens(result, style);
    if (static_cast<int>(keep.size()) == full.rows()) return full;
    return selectTokens(full, keep, false);
}

float sharedMaximum(const SessionResult& result, const core::AttentionTrace& trace, const ViewStyle& style) {
    // Views ask for this on every redraw; remember the last few answers.
    struct Entry {
        const core::AttentionTrace* trace;
        bool hideSpecial;
        float value;
    };
    static std::mutex mutex;
    static std::vector<std::pair<std::weak_ptr<const core::AttentionTrace>, Entry>> cache;
    {
        std::lock_guard lock(mutex);
        for (const auto& [weak, e] : cache) {
            if (!weak.expired() && e.trace == &trace && e.hideSpecial == style.hideSpecial) return e.value;
        }
    }
    float best = 0.0f;
    for (int l = 0; l < trace.nLayers(); ++l) {
        for (int h = 0; h < trace.nHeads(); ++h) best = std::max(best, maxFinite(shownAttention(result, trace, {l, h}, style)));
    }
    const std::shared_ptr<const core::AttentionTrace>& owner =
        &trace == result.trace.get() ? result.trace : result.defaultTrace;
    if (owner.get() == &trace) {
        std::lock_guard lock(mutex);
        cache.erase(std::remove_if(cache.begin(), cache.end(), [](const auto& p) { return p.first.expired(); }),
                    cache.end());
        if (cache.size() > 8) cache.erase(cache.begin());
        cache.push_back({owner, Entry{&trace, style.hideSpecial, best}});
    }
    return best;
}

std::pair<double, double> attentionRange(RangeMode mode, float ownMax, float sharedMax) {
    double upper = 1.0;
    switch (mode) {
    case RangeMode::Head: upper = ownMax; break;
    case RangeMode::Shared: upper = sharedMax; break;
    case RangeMode::Fixed: upper = 1.0; break;
    }
    if (!(upper > 0.0)) upper = 1.0;
    return {0.0, upper};
}

}  // namespace attnviz::ui
