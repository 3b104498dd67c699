#include "longformer_model.h"

#include <algorithm>

namespace attnviz::core {

// Value norms (trace.hasValueNorms) stay those multiHeadAttention recorded
// with the ordinary `value` projection for every key: they describe what a
// key passes to the ordinary queries; global rows read value_global instead.
void longformerGlobalAttention(const RowMatrix& x, const LongformerGlobalProjections& global,
                               const HeadLayout& heads, int layer, AttentionTrace& trace, RowMatrix& context) {
    const LayerMask mask = trace.layerMask(layer);
    const std::vector<int>& tokens = mask.globalTokens;
    if (tokens.empty()) return;
    const int T = static_cast<int>(x.rows());
    const int hd = heads.headDim;
    const int nGlobal = static_cast<int>(tokens.size());

    RowMatrix xg(nGlobal, x.cols());  // (nGlobal, dModel) inputs of the global tokens
    for (int r = 0; r < nGlobal; ++r) xg.row(r) = x.row(tokens[static_cast<std::size_t>(r)]);
    RowMatrix q;     // (nGlobal, dModel)
    RowMatrix k, v;  // (seqLen, dModel)
    linear(xg, global.query, q);
    linear(x, global.key, k);
    linear(x, global.value, v);

    for (int h = 0; h < heads.nHeads; ++h) {
        const auto kh = k.middleCols(static_cast<Eigen::Index>(h) * hd, hd);  // (seqLen, headDim)
        const auto vh = v.middleCols(static_cast<Eigen::Index>(h) * hd, hd);  // (seqLen, headDim)
        for (int r = 0; r < nGlobal; ++r) {
            const int g = tokens[static_cast<std::size_t>(r)];
            float* row = trace.probs(layer, h) + static_cast<std::ptrdiff_t>(g) * T;
            Eigen::Map<Eigen::RowVectorXf> p(row, T);  // (seqLen)
            // 1. scores = query_global(x_g) key_global(x_j)^T * scale
            p.noalias() = q.row(r).segment(static_cast<Eigen::Index>(h) * hd, hd) * kh.transpose();
            p *= heads.scale;
            if (trace.hasScores()) std::copy(row, row + T, trace.rawScores(layer, h) + static_cast<std::ptrdiff_t>(g) * T);
            // 2. softmax over the keys the layer lets g see; the rest exactly 0
            softmaxWhere(row, T, [&](int j) { return mask.allows(g, j); });
            // 3. context of row g, this head = P value_global
            context.row(g).segment(static_cast<Eigen::Index>(h) * hd, hd).noalias() = p * vh;
        }
    }
}

}  // namespace attnviz::core
