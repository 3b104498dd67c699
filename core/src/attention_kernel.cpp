#include "attnviz/core/attention_kernel.h"

#include "attnviz/core/flop_count.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace attnviz::core {

namespace {

// Multiply-adds of one layer's Q K^T below which the heads run on one thread.
constexpr double kParallelAttentionWork = 1 << 20;

}  // namespace

void headOutputNorms(const Eigen::Map<const RowMatrix, 0, Eigen::OuterStride<>>& rows, const Linear& out, int head,
                     int headDim, float* norms) {
    RowMatrix f;  // (rows, dModel)
    if (out.inOutLayout) {
        // Conv1D (in, out): the head's rows.
        const Eigen::Map<const RowMatrix> w(out.weight + static_cast<std::ptrdiff_t>(head) * headDim * out.out, headDim,
                                            out.out);  // (headDim, dModel)
        f.noalias() = rows * w;
    } else {
        // nn.Linear (out, in): the head's columns.
        const Eigen::Map<const RowMatrix, 0, Eigen::OuterStride<>> w(out.weight + static_cast<std::ptrdiff_t>(head) * headDim,
                                                                     out.out, headDim, Eigen::OuterStride<>(out.in));  // (dModel, headDim)
        f.noalias() = rows * w.transpose();
    }
    for (Eigen::Index j = 0; j < f.rows(); ++j) norms[j] = f.row(j).norm();
}

void recordLayerValueNorms(const RowMatrix& v, int keys, const Linear& outProjection, int nHeads, int headDim,
                           int layer, AttentionTrace& trace) {
    using Strided = Eigen::Map<const RowMatrix, 0, Eigen::OuterStride<>>;
    for (int h = 0; h < nHeads; ++h) {
        const Strided head(v.data() + static_cast<std::ptrdiff_t>(h) * headDim, keys, headDim,
                           Eigen::OuterStride<>(v.cols()));  // (keys, headDim)
        headOutputNorms(head, outProjection, h, headDim, trace.valueNorms(layer, h));
    }
}

void multiHeadAttention(const QkvView& qkv, int seqLen, const HeadLayout& layout, int layer,
                        AttentionTrace& trace, RowMatrix& context, const Linear* outProjection) {
    using Strided = Eigen::Map<const RowMatrix, 0, Eigen::OuterStride<>>;
    const int hd = layout.headDim;
    const int group = layout.nHeads / layout.nKvHeads;
    const int T = seqLen;
    // Queries [first, T) are computed (the rows before come from a prefix
    // cache in generation; 0 otherwise), the rows of [held, T) recorded.
    const int first = trace.firstComputedRow();
    const int held = trace.firstRow();
    const int R = T - first;  // computed query rows
    context.resize(T, static_cast<Eigen::Index>(layout.nHeads) * hd);  // rows [first, T) written

    // Threads only pay off for real work: a short sentence runs on one thread
    // (starting and joining a team costs more than its heads). Heads are
    // handed out one at a time, so a thread the OS delays on a busy machine
    // holds up one head, not half of them.
    const double work = static_cast<double>(layout.nHeads) * R * T * hd;
    const bool parallel = work >= kParallelAttentionWork;
    const LayerMask mask = trace.layerMask(layer);
#pragma omp parallel for schedule(dynamic, 1) if (parallel)
    for (int h = 0; h < layout.nHeads; ++h) {
        const int g = h / group;
        const Strided q(qkv.q + static_cast<std::ptrdiff_t>(first - qkv.qFirstRow) * qkv.qStride + h * hd, R, hd,
                        Eigen::OuterStride<>(qkv.qStride));                          // (R, headDim)
        const Strided k(qkv.k + g * hd, T, hd, Eigen::OuterStride<>(qkv.kStride));  // (seqLen, headDim)
        const Strided v(qkv.v + g * hd, T, hd, Eigen::OuterStride<>(qkv.vStride));  // (seqLen, headDim)
        // The computed rows straight into the trace, or (when it keeps fewer
        // rows) into a scratch matrix whose last rows are copied there.
        std::vector<float> scratch;
        float* rows = trace.probs(layer, h);
        if (held != first) {
            scratch.resize(static_cast<std::size_t>(R) * T);
            rows = scratch.data();
        }
        Eigen::Map<RowMatrix> p(rows, R, T);  // (R, seqLen)
        const std::ptrdiff_t skipped = static_cast<std::ptrdiff_t>(held - first) * T;  // entries not recorded

        // 1. scores = Q K^T * scale (OpenBLAS; inside the parallel loop it
        //    runs on the calling thread)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, R, T, hd, layout.scale, q.data(), qkv.qStride, k.data(),
                    qkv.kStride, 0.0f, p.data(), T);
        if (layout.softcap > 0.0f) {
            const float cap = layout.softcap;
            p = (p.array() / cap).tanh() * cap;
        }
        // NaN or Inf here (from the hidden state or the weights) would turn
        // into rows of NaN; the run reports it instead (Model::run).
        // x * 0 is NaN exactly for NaN and +-Inf, so one vectorised sum finds
        // any (allFinite() costs several times more at long inputs).
        if (!std::isfinite((p.array() * 0.0f).sum())) trace.markNonFiniteScores(layer, h);
        if (trace.hasScores()) std::copy(p.data() + skipped, p.data() + p.size(), trace.rawScores(layer, h));
        for (int r = 0; r < R; ++r) {
            const int i = first + r;  // the query
            float* row = p.data() + static_cast<std::ptrdiff_t>(r) * T;
            // 2. mask: keys outside the layer's band (and not global tokens)
            //    are not visible to query i
            // 3. softmax over the visible keys; masked entries are exactly 0
            if (mask.globalTokens.empty()) {
                const auto [begin, end] = mask.band(i, T);
                softmaxRange(row, T, begin, end);
            } else {
                softmaxWhere(row, T, [&](int j) { return mask.allows(i, j); });
            }
        }
        if (rows != trace.probs(layer, h)) std::copy(p.data() + skipped, p.data() + p.size(), trace.probs(layer, h));
        if (outProjection != nullptr && trace.hasValueNorms()) {
            headOutputNorms(v, *outProjection, h, hd, trace.valueNorms(layer, h));
        }
        // 4. context of this head = P V
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, R, hd, T, 1.0f, p.data(), T, v.data(), qkv.vStride, 0.0f,
                    context.data() + static_cast<std::ptrdiff_t>(first) * context.cols() + h * hd,
                    static_cast<int>(context.cols()));
    }
    countMatmulFlops(2ULL * layout.nHeads * R, T, hd);
}

}  // namespace attnviz::core
