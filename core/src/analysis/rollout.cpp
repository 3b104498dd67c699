#include "attnviz/core/rollout.h"

#include <cassert>

namespace attnviz::core {

RowMatrix attentionRollout(const AttentionTrace& trace, int lastLayer) {
    using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    assert(trace.nLayers() > 0 && trace.nHeads() > 0 && lastLayer < trace.nLayers());
    const int T = trace.seqLen();
    const int last = lastLayer < 0 ? trace.nLayers() - 1 : lastLayer;
    Matrix r = Matrix::Identity(T, T);  // (seqLen, seqLen)
    Matrix b(T, T);                     // (seqLen, seqLen)
    for (int l = 0; l <= last; ++l) {
        b.setZero();
        for (int h = 0; h < trace.nHeads(); ++h) {
            b += Eigen::Map<const RowMatrix>(trace.probs(l, h), T, T).cast<double>();
        }
        b *= 0.5 / trace.nHeads();
        b.diagonal().array() += 0.5;
        // The rows already sum to 1 up to float rounding of the probabilities;
        // renormalising keeps R a row-stochastic matrix after many layers.
        for (int i = 0; i < T; ++i) b.row(i) /= b.row(i).sum();
        // Later layers act on the mixture earlier ones produced: R <- B_l R.
        r = b * r;
    }
    return r.cast<float>();
}

}  // namespace attnviz::core
