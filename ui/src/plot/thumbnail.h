// One overview thumbnail: a head (or its layer's mean over heads) reduced to
// at most a given number of cells a side. From an eager trace it is reduced
// from the shown matrix (special tokens hidden as the views hide them); from
// a lazy trace (core/lazy_attention.h) it is the block thumbnail the forward
// pass left, over every token, so no head is computed to draw the overview.
#pragma once

#include "attnviz/ui/plot/matrix.h"
#include "attnviz/ui/plot/view_style.h"
#include "attnviz/ui/session/head_ref.h"
#include "attnviz/ui/session/session_result.h"

#include <vector>

namespace attnviz::ui {

struct Thumbnail {
    Matrix values;              // (cellRows, cellCols)
    std::vector<int> rowStarts; // (cellRows + 1): cell r covers rows rowStarts[r] .. rowStarts[r + 1] - 1
    std::vector<int> colStarts; // (cellCols + 1), likewise
    bool pooled = false;        // a cell covers more than one (query, key) pair
    bool lazy = false;          // from a lazy trace: every token, special ones included
    bool meanOfMeans = false;   // a layer mean from a lazy trace under LodMode::Max: block means all the same
};

// The run-token index of each row and column the cells' starts count in:
// the shown tokens, or every token for a lazy trace. The same for every
// head of one trace.
struct ThumbnailTokens {
    std::vector<int> rows;
    std::vector<int> cols;
};
ThumbnailTokens thumbnailTokens(const SessionResult& result, const core::AttentionTrace& trace, const ViewStyle& style);

// At most `cells` a side; the max or the mean of each block by style.lodMean.
Thumbnail headThumbnail(const SessionResult& result, const core::AttentionTrace& trace, HeadRef head,
                        const ViewStyle& style, int cells);

}  // namespace attnviz::ui
