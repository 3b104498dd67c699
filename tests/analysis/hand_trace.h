// Attention traces written by hand, so each analysis test states its own
// numbers.
#pragma once

#include "attnviz/core/attention_trace.h"

#include <QtTest>

#include <cstddef>
#include <initializer_list>

namespace attnviz::test {

using Rows = std::initializer_list<std::initializer_list<float>>;

// Writes `rows` (seqLen rows of seqLen values, row = query) into head (layer, head).
inline void setHead(core::AttentionTrace& trace, int layer, int head, Rows rows) {
    const int T = trace.seqLen();
    if (static_cast<int>(rows.size()) != T) qFatal("setHead: %d rows for seqLen %d", static_cast<int>(rows.size()), T);
    float* p = trace.probs(layer, head);
    int i = 0;
    for (const auto& r : rows) {
        if (static_cast<int>(r.size()) != T) qFatal("setHead: row %d has %d values", i, static_cast<int>(r.size()));
        int j = 0;
        for (float v : r) p[static_cast<std::size_t>(i) * T + j++] = v;
        ++i;
    }
}

}  // namespace attnviz::test
