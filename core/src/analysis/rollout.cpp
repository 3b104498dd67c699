#include "attnviz/core/rollout.h"

#include <cassert>

namespace attnviz::core {

DoubleMatrix residualMixing(const AttentionTrace& trace, int layer) {
    const int T = trace.seqLen();
    DoubleMatrix b = DoubleMatrix::Zero(T, T);  // (seqLen, seqLen)
    for (int h = 0; h < trace.nHeads(); ++h) {
        b += Eigen::Map<const RowMatrix>(trace.headProbs(layer, h).data(), T, T).cast<double>();
    }
    b *= 0.5 / trace.nHeads();
    b.diagonal().array() += 0.5;
    // The rows already sum to 1 up to float rounding of the probabilities;
    // renormalising keeps R a row-stochastic matrix after many layers.
    for (int i = 0; i < T; ++i) b.row(i) /= b.row(i).sum();
    return b;
}

RowMatrix attentionRollout(const AttentionTrace& trace, int lastLayer) {
    assert(trace.nLayers() > 0 && trace.nHeads() > 0 && lastLayer < trace.nLayers());
    const int T = trace.seqLen();
    const int last = lastLayer < 0 ? trace.nLayers() - 1 : lastLayer;
    DoubleMatrix r = DoubleMatrix::Identity(T, T);  // (seqLen, seqLen)
    for (int l = 0; l <= last; ++l) {
        // Later layers act on the mixture earlier ones produced: R <- B_l R.
        r = residualMixing(trace, l) * r;
    }
    return r.cast<float>();
}

}  // namespace attnviz::core
