#include "attnviz/core/attention_kernel.h"

#include "attention_rows.h"
#include "attnviz/core/flop_count.h"
#include "attnviz/core/lazy_attention.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace attnviz::core {

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

bool headProbabilityRows(const float* q, int qStride, const float* k, int kStride, int row0, int n, int seqLen,
                         const HeadLayout& layout, const LayerMask& mask, float* probs, float* scores) {
    const int T = seqLen;
    Eigen::Map<RowMatrix> p(probs, n, T);  // (n, seqLen)
    // 1. scores = Q K^T * scale (OpenBLAS; inside a parallel loop it runs on
    //    the calling thread)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, T, layout.headDim, layout.scale, q, qStride, k, kStride,
                0.0f, probs, T);
    if (layout.softcap > 0.0f) {
        const float cap = layout.softcap;
        p = (p.array() / cap).tanh() * cap;
    }
    // NaN or Inf here (from the hidden state or the weights) would turn into
    // rows of NaN; the run reports it instead (Model::run). x * 0 is NaN
    // exactly for NaN and +-Inf, so one vectorised sum finds any (allFinite()
    // costs several times more at long inputs).
    const bool finite = std::isfinite((p.array() * 0.0f).sum());
    if (scores != nullptr) std::copy(probs, probs + static_cast<std::ptrdiff_t>(n) * T, scores);
    for (int r = 0; r < n; ++r) {
        const int i = row0 + r;  // the query
        float* row = probs + static_cast<std::ptrdiff_t>(r) * T;
        // 2. mask: keys outside the layer's band (and not global tokens) are
        //    not visible to query i
        // 3. softmax over the visible keys; masked entries are exactly 0
        if (mask.globalTokens.empty()) {
            const auto [begin, end] = mask.band(i, T);
            softmaxRange(row, T, begin, end);
        } else {
            softmaxWhere(row, T, [&](int j) { return mask.allows(i, j); });
        }
    }
    return finite;
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
    LazyAttention* lazy = trace.lazy().get();
    const LayerMask mask = trace.layerMask(layer);
    if (lazy != nullptr) lazy->keepLayer(layer, qkv, layout, mask);

    // Threads only pay off for real work: a short sentence runs on one thread
    // (starting and joining a team costs more than its heads). Heads are
    // handed out one at a time, so a thread the OS delays on a busy machine
    // holds up one head, not half of them.
    const double work = static_cast<double>(layout.nHeads) * R * T * hd;
    const bool parallel = work >= kParallelAttentionWork;
#pragma omp parallel for schedule(dynamic, 1) if (parallel)
    for (int h = 0; h < layout.nHeads; ++h) {
        const int g = h / group;
        const float* qHead = qkv.q + static_cast<std::ptrdiff_t>(first - qkv.qFirstRow) * qkv.qStride + h * hd;
        const float* kHead = qkv.k + g * hd;
        const Strided v(qkv.v + g * hd, T, hd, Eigen::OuterStride<>(qkv.vStride));  // (seqLen, headDim)
        // Each block's rows go straight into the trace when it records all of
        // them, else into scratch (a lazy trace records none; a generation
        // step only its last rows) and the recorded ones are copied.
        std::vector<float> scratch;       // (block, seqLen)
        std::vector<float> scoreScratch;  // (block, seqLen)
        bool finite = true;
        for (int row0 = first; row0 < T; row0 += kAttentionRowBlock) {
            const int n = std::min(kAttentionRowBlock, T - row0);
            const bool direct = lazy == nullptr && row0 >= held;
            float* probs = nullptr;
            float* scores = nullptr;
            if (direct) {
                probs = trace.probs(layer, h) + static_cast<std::ptrdiff_t>(row0 - held) * T;
            } else {
                scratch.resize(static_cast<std::size_t>(n) * T);
                probs = scratch.data();
            }
            if (trace.hasScores()) {
                if (direct) {
                    scores = trace.rawScores(layer, h) + static_cast<std::ptrdiff_t>(row0 - held) * T;
                } else {
                    scoreScratch.resize(static_cast<std::size_t>(n) * T);
                    scores = scoreScratch.data();
                }
            }
            finite = headProbabilityRows(qHead + static_cast<std::ptrdiff_t>(row0 - first) * qkv.qStride, qkv.qStride,
                                         kHead, qkv.kStride, row0, n, T, layout, mask, probs, scores) &&
                     finite;
            if (!direct && lazy == nullptr && row0 + n > held) {
                // The block straddles the first recorded row.
                const std::ptrdiff_t skip = static_cast<std::ptrdiff_t>(held - row0) * T;
                const std::ptrdiff_t count = static_cast<std::ptrdiff_t>(row0 + n - held) * T;
                std::copy(probs + skip, probs + skip + count, trace.probs(layer, h));
                if (scores != nullptr) std::copy(scores + skip, scores + skip + count, trace.rawScores(layer, h));
            }
            if (lazy != nullptr) lazy->addRows(layer, h, row0, n, probs);
            // 4. context of these rows of this head = P V
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, hd, T, 1.0f, probs, T, v.data(), qkv.vStride,
                        0.0f, context.data() + static_cast<std::ptrdiff_t>(row0) * context.cols() + h * hd,
                        static_cast<int>(context.cols()));
        }
        if (!finite) trace.markNonFiniteScores(layer, h);
        if (outProjection != nullptr && trace.hasValueNorms()) {
            headOutputNorms(v, *outProjection, h, hd, trace.valueNorms(layer, h));
        }
    }
    countMatmulFlops(2ULL * layout.nHeads * R, T, hd);
}

}  // namespace attnviz::core
