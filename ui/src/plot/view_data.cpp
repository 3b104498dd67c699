#include "plot/view_data.h"

#include "plot/heatmap_panel.h"

#include "attnviz/core/lazy_attention.h"

#include <algorithm>
#include <mutex>

namespace attnviz::ui {

std::vector<int> shownTokens(const SessionResult& result, const ViewStyle& style) {
    return result.visibleTokens(style.hideSpecial);
}

std::vector<int> shownColTokens(const SessionResult& result, const ViewStyle& style) {
    return result.visibleColTokens(style.hideSpecial);
}

namespace {

// (rows, cols) of one head of a block; head < 0: the mean over the layer's heads.
Matrix blockMatrix(const core::AttentionBlock& block, int layer, int head) {
    Matrix m(block.rows(), block.cols());
    const int first = head < 0 ? 0 : head;
    const int last = head < 0 ? block.nHeads() : head + 1;
    for (int h = first; h < last; ++h) {
        const float* p = block.probs(layer, h);
        for (int r = 0; r < block.rows(); ++r) {
            for (int c = 0; c < block.cols(); ++c) m.at(r, c) += p[static_cast<std::size_t>(r) * block.cols() + c];
        }
    }
    if (last - first > 1) {
        const float scale = 1.0f / static_cast<float>(last - first);
        for (int r = 0; r < m.rows(); ++r) {
            for (int c = 0; c < m.cols(); ++c) m.at(r, c) *= scale;
        }
    }
    return m;
}

Matrix shownCross(const SessionResult& result, HeadRef head, const ViewStyle& style) {
    const Matrix full = blockMatrix(*result.cross, head.layer, head.head);
    const std::vector<int> rows = shownTokens(result, style);
    const std::vector<int> cols = shownColTokens(result, style);
    if (static_cast<int>(rows.size()) == full.rows() && static_cast<int>(cols.size()) == full.cols()) return full;
    Matrix out(static_cast<int>(rows.size()), static_cast<int>(cols.size()));
    for (int r = 0; r < out.rows(); ++r) {
        double sum = 0;
        for (int c = 0; c < out.cols(); ++c) {
            out.at(r, c) = full.at(rows[r], cols[c]);
            sum += out.at(r, c);
        }
        if (sum > 0) {
            for (int c = 0; c < out.cols(); ++c) out.at(r, c) = static_cast<float>(out.at(r, c) / sum);
        }
    }
    return out;
}

}  // namespace

void setShownData(HeatmapPanel& panel, const SessionResult& result, const Matrix& matrix, const ViewStyle& style) {
    const std::vector<int> rows = shownTokens(result, style);
    if (!result.isCross()) {
        panel.setData(matrix, result.labels(rows), rows);
        return;
    }
    const std::vector<int> cols = shownColTokens(result, style);
    panel.setData(matrix, result.labels(rows), rows, result.colLabels(cols), cols);
    panel.setAxisTitles(QStringLiteral("source token (encoder key)"), QStringLiteral("target token (decoder query)"));
}

Matrix shownAttention(const SessionResult& result, const core::AttentionTrace& trace, HeadRef head,
                      const ViewStyle& style) {
    if (result.cross) return shownCross(result, head, style);
    const Matrix full = attentionMatrix(trace, head.layer, head.head);
    const std::vector<int> keep = shownTokens(result, style);
    if (static_cast<int>(keep.size()) == full.rows()) return full;
    return selectTokens(full, keep, true);
}

Matrix shownScores(const SessionResult& result, HeadRef head, const ViewStyle& style, bool masked) {
    if (result.cross) return {};  // the run keeps no cross-attention scores
    const Matrix full = scoreMatrix(*result.trace, head.layer, head.head, masked);
    if (full.empty()) return full;
    const std::vector<int> keep = shownTokens(result, style);
    if (static_cast<int>(keep.size()) == full.rows()) return full;
    return selectTokens(full, keep, false);
}

float sharedMaximum(const SessionResult& result, const core::AttentionTrace& trace, const ViewStyle& style) {
    // Views ask for this on every redraw; remember the last few answers.
    struct Entry {
        const void* trace;  // the trace, or the cross-attention block it stands for
        bool hideSpecial;
        float value;
    };
    static std::mutex mutex;
    static std::vector<std::pair<std::weak_ptr<const core::AttentionTrace>, Entry>> cache;
    const void* key = result.cross ? static_cast<const void*>(result.cross.get()) : static_cast<const void*>(&trace);
    {
        std::lock_guard lock(mutex);
        for (const auto& [weak, e] : cache) {
            if (!weak.expired() && e.trace == key && e.hideSpecial == style.hideSpecial) return e.value;
        }
    }
    float best = 0.0f;
    if (trace.isLazy() && !result.cross) {
        // The pass's block maxima cover every probability (special tokens
        // included): no head is computed for the range.
        const core::LazyAttention& lazy = *trace.lazy();
        const std::size_t cells = static_cast<std::size_t>(lazy.thumbnailCells()) * lazy.thumbnailCells();
        for (int l = 0; l < trace.nLayers(); ++l) {
            for (int h = 0; h < trace.nHeads(); ++h) {
                const float* top = lazy.thumbnailMax(l, h);  // (cells, cells)
                for (std::size_t k = 0; k < cells; ++k) best = std::max(best, top[k]);
            }
        }
    } else if (!result.cross && static_cast<int>(shownTokens(result, style).size()) == trace.seqLen()) {
        // Every token shown: the trace's own rows, not a copy of each head
        // (at 4k tokens a copy is 64 MB).
        const std::size_t cells = static_cast<std::size_t>(trace.seqLen()) * trace.seqLen();
        for (int l = 0; l < trace.nLayers(); ++l) {
            for (int h = 0; h < trace.nHeads(); ++h) {
                best = std::max(best, maxFinite(trace.headProbs(l, h).data(), cells));
            }
        }
    } else {
        for (int l = 0; l < trace.nLayers(); ++l) {
            for (int h = 0; h < trace.nHeads(); ++h) {
                best = std::max(best, maxFinite(shownAttention(result, trace, {l, h}, style)));
            }
        }
    }
    const std::shared_ptr<const core::AttentionTrace>& owner =
        &trace == result.trace.get() ? result.trace : result.defaultTrace;
    if (owner.get() == &trace) {
        std::lock_guard lock(mutex);
        cache.erase(std::remove_if(cache.begin(), cache.end(), [](const auto& p) { return p.first.expired(); }),
                    cache.end());
        if (cache.size() > 8) cache.erase(cache.begin());
        cache.push_back({owner, Entry{key, style.hideSpecial, best}});
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
