// Attention traces written by hand, so each analysis test states its own
// numbers.
#pragma once

#include "attnviz/core/attention_trace.h"

#include <QtTest>

#include <cstddef>
#include <initializer_list>
#include <source_location>

namespace attnviz::test {

using Rows = std::initializer_list<std::initializer_list<float>>;

// Writes `rows` (seqLen rows of seqLen values, row = query) into head (layer,
// head). Rows of the wrong size are a mistake in the test: the running test
// fails at the caller's line and nothing is written.
inline bool setHead(core::AttentionTrace& trace, int layer, int head, Rows rows,
                    std::source_location where = std::source_location::current()) {
    const int T = trace.seqLen();
    bool fits = static_cast<int>(rows.size()) == T;
    for (const auto& r : rows) fits = fits && static_cast<int>(r.size()) == T;
    if (!fits || layer < 0 || layer >= trace.nLayers() || head < 0 || head >= trace.nHeads()) {
        const QString message = QString("setHead(layer %1, head %2): rows do not form a %3 x %3 matrix of a %4 x %5 trace")
                                    .arg(layer).arg(head).arg(T).arg(trace.nLayers()).arg(trace.nHeads());
        QTest::qFail(qPrintable(message), where.file_name(), static_cast<int>(where.line()));
        return false;
    }
    float* p = trace.probs(layer, head);
    int i = 0;
    for (const auto& r : rows) {
        int j = 0;
        for (float v : r) p[static_cast<std::size_t>(i) * T + j++] = v;
        ++i;
    }
    return true;
}

}  // namespace attnviz::test
