#include "support/golden_compare.h"

#include <cmath>

namespace attnviz::test {

QString goldenMismatch(const GoldenCase& c, const core::AttentionTrace& trace) {
    if (trace.nLayers() != c.nLayers || trace.nHeads() != c.nHeads || trace.seqLen() != c.seqLen) {
        return QString("shape %1x%2x%3 instead of %4x%5x%6")
            .arg(trace.nLayers()).arg(trace.nHeads()).arg(trace.seqLen())
            .arg(c.nLayers).arg(c.nHeads).arg(c.seqLen);
    }
    float worst = 0.0f;
    for (int l = 0; l < c.nLayers; ++l)
        for (int h = 0; h < c.nHeads; ++h)
            for (int i = 0; i < c.seqLen; ++i)
                for (int j = 0; j < c.seqLen; ++j) {
                    const float expected = c.at(l, h, i, j);
                    const float got = trace.prob(l, h, i, j);
                    if (expected == 0.0f && got != 0.0f) {
                        return QString("layer %1 head %2 [%3][%4]: HF masks this entry (0.0), we have %5")
                            .arg(l).arg(h).arg(i).arg(j).arg(got);
                    }
                    worst = std::max(worst, std::fabs(got - expected));
                }
    if (worst > kGoldenTolerance) return QString("max |attention - HF| = %1").arg(worst);
    return {};
}

}  // namespace attnviz::test
