#include "attnviz/core/rollout.h"

#include <cassert>

namespace attnviz::core {

DoubleMatrix residualMixing(const AttentionTrace& trace, int layer, const AnalysisControl& control) {
    const int T = trace.seqLen();
    DoubleMatrix b = DoubleMatrix::Zero(T, T);  // (seqLen, seqLen)
    for (int h = 0; h < trace.nHeads() && !control.cancelled(); ++h) {
        b += Eigen::Map<const RowMatrix>(trace.headProbs(layer, h).data(), T, T).cast<double>();
        control.progress(static_cast<double>(h + 1) / trace.nHeads());
    }
    b *= 0.5 / trace.nHeads();
    b.diagonal().array() += 0.5;
    // The rows already sum to 1 up to float rounding of the probabilities;
    // renormalising keeps R a row-stochastic matrix after many layers.
    for (int i = 0; i < T; ++i) b.row(i) /= b.row(i).sum();
    return b;
}

namespace {

bool lowerTriangular(const DoubleMatrix& m) {
    for (Eigen::Index i = 0; i + 1 < m.rows(); ++i) {
        if (!m.row(i).tail(m.cols() - i - 1).isZero(0.0)) return false;
    }
    return true;
}

}  // namespace

RowMatrix attentionRollout(const AttentionTrace& trace, int lastLayer, const AnalysisControl& control) {
    assert(trace.nLayers() > 0 && trace.nHeads() > 0 && lastLayer < trace.nLayers());
    const int T = trace.seqLen();
    const int last = lastLayer < 0 ? trace.nLayers() - 1 : lastLayer;
    const double share = 1.0 / (last + 1);
    DoubleMatrix r = DoubleMatrix::Identity(T, T);  // (seqLen, seqLen)
    for (int l = 0; l <= last && !control.cancelled(); ++l) {
        // Reading the heads takes about a third of a layer's time at a few
        // thousand tokens, the seqLen^3 product the rest.
        const DoubleMatrix b = residualMixing(trace, l, control.part(l * share, share / 3));  // (seqLen, seqLen)
        if (control.cancelled()) break;
        // Later layers act on the mixture earlier ones produced: R <- B_l R.
        // Under a causal mask every B_l, so R, is lower triangular: the
        // triangular product skips the zeros (half the work).
        if (lowerTriangular(b)) r = b.triangularView<Eigen::Lower>() * r;
        else r = b * r;
        control.progress((l + 1) * share);
    }
    return r.cast<float>();
}

}  // namespace attnviz::core
