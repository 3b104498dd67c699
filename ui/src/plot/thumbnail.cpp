#include "plot/thumbnail.h"

#include "plot/lod_image.h"
#include "plot/view_data.h"

#include "attnviz/core/lazy_attention.h"

#include <numeric>

namespace attnviz::ui {
namespace {

std::vector<int> binEdges(int bins, int count) {
    std::vector<int> edges(static_cast<std::size_t>(bins) + 1);
    for (int b = 0; b <= bins; ++b) edges[b] = binStart(b, bins, count);
    return edges;
}

// The pass's thumbnails: one head's, or the mean of a layer's heads' block
// means (a block mean of the layer mean, as the eager path's Mean mode).
Thumbnail lazyThumbnail(const core::LazyAttention& lazy, HeadRef head, LodMode mode) {
    Thumbnail t;
    const int cells = lazy.thumbnailCells();  // (cells, cells)
    const std::size_t n = static_cast<std::size_t>(cells) * cells;
    t.values = Matrix(cells, cells);
    if (head.head >= 0) {
        const float* v = mode == LodMode::Max ? lazy.thumbnailMax(head.layer, head.head)
                                              : lazy.thumbnailMean(head.layer, head.head);
        for (int r = 0; r < cells; ++r) {
            for (int c = 0; c < cells; ++c) t.values.at(r, c) = v[static_cast<std::size_t>(r) * cells + c];
        }
    } else {
        std::vector<double> sum(n, 0.0);  // (cells, cells)
        for (int h = 0; h < lazy.nHeads(); ++h) {
            const float* v = lazy.thumbnailMean(head.layer, h);
            for (std::size_t k = 0; k < n; ++k) sum[k] += v[k];
        }
        for (int r = 0; r < cells; ++r) {
            for (int c = 0; c < cells; ++c) {
                t.values.at(r, c) = static_cast<float>(sum[static_cast<std::size_t>(r) * cells + c] / lazy.nHeads());
            }
        }
        t.meanOfMeans = mode == LodMode::Max;
    }
    t.rowStarts.resize(static_cast<std::size_t>(cells) + 1);
    for (int a = 0; a <= cells; ++a) t.rowStarts[a] = lazy.cellStart(a);
    t.colStarts = t.rowStarts;
    t.pooled = cells < lazy.seqLen();
    t.lazy = true;
    return t;
}

bool fromLazyTrace(const SessionResult& result, const core::AttentionTrace& trace) {
    return trace.isLazy() && !result.cross;
}

}  // namespace

ThumbnailTokens thumbnailTokens(const SessionResult& result, const core::AttentionTrace& trace, const ViewStyle& style) {
    if (!fromLazyTrace(result, trace)) return {shownTokens(result, style), shownColTokens(result, style)};
    std::vector<int> all(static_cast<std::size_t>(trace.seqLen()));
    std::iota(all.begin(), all.end(), 0);
    return {all, all};
}

Thumbnail headThumbnail(const SessionResult& result, const core::AttentionTrace& trace, HeadRef head,
                        const ViewStyle& style, int cells) {
    const LodMode mode = style.lodMean ? LodMode::Mean : LodMode::Max;
    if (fromLazyTrace(result, trace)) return lazyThumbnail(*trace.lazy(), head, mode);
    Thumbnail t;
    const Matrix full = shownAttention(result, trace, head, style);  // (shown rows, shown columns)
    if (full.empty()) return t;
    const int rows = std::min(full.rows(), cells);
    const int cols = std::min(full.cols(), cells);
    t.pooled = rows < full.rows() || cols < full.cols();
    t.values = t.pooled ? reduceBlocks(full, {0, full.rows()}, {0, full.cols()}, rows, cols, mode) : full;
    t.rowStarts = binEdges(rows, full.rows());
    t.colStarts = binEdges(cols, full.cols());
    return t;
}

}  // namespace attnviz::ui
