#include "attnviz/core/aggregates.h"

#include <cassert>

namespace attnviz::core {

namespace {

using ConstMap = Eigen::Map<const RowMatrix>;

}  // namespace

RowMatrix meanOverHeads(const AttentionTrace& trace, int layer) {
    assert(layer >= 0 && layer < trace.nLayers() && trace.nHeads() > 0);
    const int T = trace.seqLen();
    // Accumulate in double: with many heads the float sum would drift from rows summing to 1.
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> sum =
        Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>::Zero(T, T);  // (seqLen, seqLen)
    for (int h = 0; h < trace.nHeads(); ++h) sum += ConstMap(trace.headProbs(layer, h).data(), T, T).cast<double>();
    return (sum / trace.nHeads()).cast<float>();
}

RowMatrix maxOverHeads(const AttentionTrace& trace, int layer) {
    assert(layer >= 0 && layer < trace.nLayers() && trace.nHeads() > 0);
    const int T = trace.seqLen();
    RowMatrix out = ConstMap(trace.headProbs(layer, 0).data(), T, T);  // (seqLen, seqLen)
    for (int h = 1; h < trace.nHeads(); ++h) out = out.cwiseMax(ConstMap(trace.headProbs(layer, h).data(), T, T));
    return out;
}

RowMatrix meanOverLayers(const AttentionTrace& trace) {
    assert(trace.nLayers() > 0 && trace.nHeads() > 0);
    const int T = trace.seqLen();
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> sum =
        Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>::Zero(T, T);  // (seqLen, seqLen)
    for (int l = 0; l < trace.nLayers(); ++l)
        for (int h = 0; h < trace.nHeads(); ++h) sum += ConstMap(trace.headProbs(l, h).data(), T, T).cast<double>();
    // Every layer has the same number of heads, so the mean of the head means
    // is the mean over all (layer, head) pairs.
    return (sum / (static_cast<double>(trace.nLayers()) * trace.nHeads())).cast<float>();
}

}  // namespace attnviz::core
