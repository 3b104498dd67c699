// Compares an engine trace with a Hugging Face golden case: shapes, masked
// entries exactly 0, every other entry within 1e-5.
#pragma once

#include "support/golden_case.h"

#include "attnviz/core/attention_trace.h"

#include <QString>

namespace attnviz::test {

inline constexpr float kGoldenTolerance = 1e-5f;

// An empty string when the trace matches, else what differs and where.
QString goldenMismatch(const GoldenCase& expected, const core::AttentionTrace& trace);

}  // namespace attnviz::test
