#include "attnviz/core/value_weighted.h"

#include "../out_of_memory.h"

#include <string>

namespace attnviz::core {

Result<RowMatrix> valueWeightedNorms(const AttentionTrace& trace, int layer, int head) {
    if (!trace.hasValueNorms()) {
        return makeError(ErrorCode::InvalidInput,
                         "value-weighted attention needs the value norms of the run (RunOptions::captureValueNorms)");
    }
    if (layer < 0 || layer >= trace.nLayers() || head < 0 || head >= trace.nHeads()) {
        return makeError(ErrorCode::InvalidInput, "no head " + std::to_string(layer) + ":" + std::to_string(head) +
                                                      " in a trace of " + std::to_string(trace.nLayers()) +
                                                      " layers x " + std::to_string(trace.nHeads()) + " heads");
    }
    const int T = trace.seqLen();
    const HeadMatrix held = trace.headProbs(layer, head);
    const Eigen::Map<const RowMatrix> a(held.data(), T, T);                              // (seqLen, seqLen)
    const Eigen::Map<const Eigen::RowVectorXf> norms(trace.valueNorms(layer, head), T);  // (seqLen)
    const std::uint64_t bytes = static_cast<std::uint64_t>(T) * T * sizeof(float);
    return guardAllocation("the value-weighted attention of one head", bytes, [&]() -> Result<RowMatrix> {
        // ||a_ij f(x_j)|| = a_ij ||f(x_j)|| because a_ij >= 0: scale column j by key j's norm.
        RowMatrix n = a * norms.asDiagonal();  // (seqLen, seqLen)
        return n;
    });
}

Result<RowMatrix> valueWeightedNormsNormalized(const AttentionTrace& trace, int layer, int head) {
    auto n = valueWeightedNorms(trace, layer, head);
    if (!n) return n;
    for (Eigen::Index i = 0; i < n->rows(); ++i) {
        const double sum = n->row(i).cast<double>().sum();
        if (sum > 0.0) n->row(i) = (n->row(i).cast<double>() / sum).cast<float>();
    }
    return n;
}

}  // namespace attnviz::core
