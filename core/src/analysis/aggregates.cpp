#include "attnviz/core/aggregates.h"

#include <cassert>

namespace attnviz::core {

namespace {

using ConstMap = Eigen::Map<const RowMatrix>;

}  // namespace

RowMatrix meanOverHeads(const AttentionTrace& trace, int layer, const AnalysisControl& control) {
    assert(layer >= 0 && layer < trace.nLayers() && trace.nHeads() > 0);
    const int T = trace.seqLen();
    // Accumulate in double: with many heads the float sum would drift from rows summing to 1.
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> sum =
        Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>::Zero(T, T);  // (seqLen, seqLen)
    for (int h = 0; h < trace.nHeads() && !control.cancelled(); ++h) {
        sum += ConstMap(trace.headProbs(layer, h).data(), T, T).cast<double>();
        control.progress(static_cast<double>(h + 1) / trace.nHeads());
    }
    return (sum / trace.nHeads()).cast<float>();
}

RowMatrix maxOverHeads(const AttentionTrace& trace, int layer, const AnalysisControl& control) {
    assert(layer >= 0 && layer < trace.nLayers() && trace.nHeads() > 0);
    const int T = trace.seqLen();
    RowMatrix out = ConstMap(trace.headProbs(layer, 0).data(), T, T);  // (seqLen, seqLen)
    for (int h = 1; h < trace.nHeads() && !control.cancelled(); ++h) {
        out = out.cwiseMax(ConstMap(trace.headProbs(layer, h).data(), T, T));
        control.progress(static_cast<double>(h + 1) / trace.nHeads());
    }
    return out;
}

RowMatrix meanOverLayers(const AttentionTrace& trace, const AnalysisControl& control) {
    assert(trace.nLayers() > 0 && trace.nHeads() > 0);
    const int T = trace.seqLen();
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> sum =
        Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>::Zero(T, T);  // (seqLen, seqLen)
    const double heads = static_cast<double>(trace.nLayers()) * trace.nHeads();
    for (int l = 0; l < trace.nLayers(); ++l) {
        for (int h = 0; h < trace.nHeads() && !control.cancelled(); ++h) {
            sum += ConstMap(trace.headProbs(l, h).data(), T, T).cast<double>();
            control.progress((static_cast<double>(l) * trace.nHeads() + h + 1) / heads);
        }
    }
    // Every layer has the same number of heads, so the mean of the head means
    // is the mean over all (layer, head) pairs.
    return (sum / (static_cast<double>(trace.nLayers()) * trace.nHeads())).cast<float>();
}

}  // namespace attnviz::core
