// One attention head by (layer, head), 0-based like everywhere in attnviz.
// head < 0 stands for the mean over the layer's heads.
#pragma once

#include "attnviz/core/result.h"

#include <QString>

#include <vector>

namespace attnviz::ui {

struct HeadRef {
    int layer = 0;
    int head = 0;

    bool isMean() const { return head < 0; }
    QString label() const;  // "L2 H5" or "L2 mean"

    friend bool operator==(const HeadRef&, const HeadRef&) = default;
};

// Grouped-query attention: "KV head 1 (H4-H7)", the key/value head query
// head `head` reads and the query heads that share it; "" when every query
// head has its own (nKvHeads 0 or nHeads) or for a layer mean.
QString kvGroupText(int head, int nHeads, int nKvHeads);

// "0:1, 2:3" (layer:head pairs, 0-based; "2:mean" for a layer mean). Checks
// the numbers against the model's shape.
core::Result<std::vector<HeadRef>> parseHeadList(const QString& text, int nLayers, int nHeads);
QString formatHeadList(const std::vector<HeadRef>& heads);

}  // namespace attnviz::ui
