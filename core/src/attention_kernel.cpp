#include "attnviz/core/attention_kernel.h"

#include "attention_rows.h"
#include "attnviz/core/flop_count.h"
#include "attnviz/core/lazy_attention.h"
#include "attnviz/core/ops.h"
#include "attnviz/core/prefix_cache.h"
#include "exact_rows_gemm.h"
#include "parallel_for.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace attnviz::core {

// Prefix reuse's runs start at row 0 here: the first block is the exact rows.
static_assert(kAttentionRowBlock == kExactRowsEnd);

void headOutputNorms(const Eigen::Map<const RowMatrix, 0, Eigen::OuterStride<>>& rows, const Linear& out, int head,
                     int headDim, float* norms) {
    // Through the exact kernels, so a row's norm does not depend on the
    // other rows: prefix reuse keeps the norms of the kept rows.
    const int n = static_cast<int>(rows.rows());
    if (n == 0) return;
    RowMatrix f(n, out.out);  // (rows, dModel)
    const int ldx = static_cast<int>(rows.outerStride());
    if (out.inOutLayout) {
        // (in, out): the head's rows, (headDim, dModel).
        exactRowsTimesKN(rows.data(), ldx, n, headDim, out.weight + static_cast<std::ptrdiff_t>(head) * headDim * out.out,
                         out.out, out.out, f.data(), out.out);
    } else {
        // (out, in): the head's columns, (dModel, headDim) rows `in` apart.
        exactRowsTimesNK(rows.data(), ldx, n, headDim, out.weight + static_cast<std::ptrdiff_t>(head) * headDim, out.in,
                         out.out, f.data(), out.out);
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

namespace {

// [first, last) of the keys any query of rows [row0, row0 + n) may see:
// bands move right with the query; global tokens see and are seen by all.
std::pair<int, int> blockKeys(const LayerMask& mask, int row0, int n, int seqLen) {
    if (!mask.globalTokens.empty()) return {0, seqLen};
    return {mask.band(row0, seqLen).first, mask.band(row0 + n - 1, seqLen).second};
}

}  // namespace

bool headProbabilityRows(const float* q, int qStride, const float* k, int kStride, int row0, int n, int seqLen,
                         const HeadLayout& layout, const LayerMask& mask, bool exactRows, float* probs, float* scores) {
    const int T = seqLen;
    const int hd = layout.headDim;
    using Block = Eigen::Map<RowMatrix, 0, Eigen::OuterStride<>>;
    // 1. scores = Q K^T * scale over the keys the block's rows can see
    //    (OpenBLAS; inside a parallel loop it runs on the calling thread).
    //    BLAS rounds an entry differently depending on how many columns the
    //    call has, so the visible keys get a call of their own, whose width
    //    depends on the block alone, not on how many tokens follow it: the
    //    probabilities of a query never change when text is appended (prefix
    //    reuse compares them bit for bit with a fresh run).
    const auto [k0, k1] = blockKeys(mask, row0, n, T);
    auto scaledScores = [&](int c0, int c1, float* out) {  // columns [c0, c1) of (n, seqLen) `out`
        if (c1 <= c0) return true;
        const float* keys = k + static_cast<std::ptrdiff_t>(c0) * kStride;  // (c1 - c0, headDim)
        Block b(out + c0, n, c1 - c0, Eigen::OuterStride<>(T));              // (n, c1 - c0)
        if (exactRows && row0 + n <= kExactRowsEnd) {
            exactRowsTimesNK(q, qStride, n, hd, keys, kStride, c1 - c0, out + c0, T);
            b *= layout.scale;
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, c1 - c0, hd, layout.scale, q, qStride, keys, kStride,
                        0.0f, out + c0, T);
        }
        if (layout.softcap > 0.0f) {
            const float cap = layout.softcap;
            b = (b.array() / cap).tanh() * cap;
        }
        // NaN or Inf here (from the hidden state or the weights) would turn
        // into rows of NaN; the run reports it instead (Model::run). x * 0 is
        // NaN exactly for NaN and +-Inf, so one vectorised sum finds any
        // (allFinite() costs several times more at long inputs).
        return std::isfinite((b.array() * 0.0f).sum());
    };
    bool finite = scaledScores(k0, k1, probs);
    if (scores != nullptr) {
        // The scores view shows the hidden keys' scores too.
        for (int r = 0; r < n; ++r) {
            const std::ptrdiff_t at = static_cast<std::ptrdiff_t>(r) * T;
            std::copy(probs + at + k0, probs + at + k1, scores + at + k0);
        }
        finite = scaledScores(0, k0, scores) && finite;
        finite = scaledScores(k1, T, scores) && finite;
    }
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
    // Under prefix reuse the context rows below kExactRowsEnd are kept for
    // later runs of more tokens: their scores and context must not depend on
    // the rows or keys that follow them (exact_rows_gemm.h), as in the
    // linear layers.
    const bool exactRows = RowBlockedLinear::active();
    if (lazy != nullptr) lazy->keepLayer(layer, qkv, layout, mask, exactRows);

    // Value norms: under exact prefix reuse the kept rows' come from the
    // last run (PrefixCache::keepNorms).
    const bool recordNorms = outProjection != nullptr && trace.hasValueNorms();
    PrefixCache* cache = exactRows ? PrefixCache::active() : nullptr;
    const int keptNorms = recordNorms && cache != nullptr ? cache->keptNormRows(layer) : 0;

    // Threads only pay off for real work: a short sentence runs on one thread
    // (starting and joining a team costs more than its heads). Heads are
    // handed out one at a time, so a thread the OS delays on a busy machine
    // holds up one head, not half of them.
    const double work = static_cast<double>(layout.nHeads) * R * T * hd;
    const bool parallel = work >= kParallelAttentionWork;
    forEachIndex(layout.nHeads, parallel, [&](int h) {
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
                                         kHead, qkv.kStride, row0, n, T, layout, mask, exactRows, probs, scores) &&
                     finite;
            if (!direct && lazy == nullptr && row0 + n > held) {
                // The block straddles the first recorded row.
                const std::ptrdiff_t skip = static_cast<std::ptrdiff_t>(held - row0) * T;
                const std::ptrdiff_t count = static_cast<std::ptrdiff_t>(row0 + n - held) * T;
                std::copy(probs + skip, probs + skip + count, trace.probs(layer, h));
                if (scores != nullptr) std::copy(scores + skip, scores + skip + count, trace.rawScores(layer, h));
            }
            if (lazy != nullptr) lazy->addRows(layer, h, row0, n, probs);
            // 4. context of these rows of this head = P V, over the keys the
            //    block's rows can see (the rest of P is exactly 0): for a
            //    causal mask the sum then does not depend on how many tokens
            //    follow, which prefix reuse needs (BLAS splits a long sum
            //    into chunks by its length), and takes half the work.
            //    The exact kernel's sums gain only zeros with more keys.
            const auto [k0, k1] = blockKeys(mask, row0, n, T);
            const float* vRows = v.data() + static_cast<std::ptrdiff_t>(k0) * qkv.vStride;  // (k1 - k0, headDim)
            float* out = context.data() + static_cast<std::ptrdiff_t>(row0) * context.cols() + h * hd;
            if (exactRows && row0 + n <= kExactRowsEnd) {
                exactRowsTimesKN(probs + k0, T, n, k1 - k0, vRows, qkv.vStride, hd, out, static_cast<int>(context.cols()));
            } else {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, hd, k1 - k0, 1.0f, probs + k0, T, vRows,
                            qkv.vStride, 0.0f, out, static_cast<int>(context.cols()));
            }
        }
        if (!finite) trace.markNonFiniteScores(layer, h);
        if (recordNorms) {
            // The kept rows' norms from the last run, the others computed.
            float* norms = trace.valueNorms(layer, h);
            for (int j = 0; j < keptNorms; ++j) norms[j] = cache->keptNorm(layer, h, j);
            const Strided fresh(v.data() + static_cast<std::ptrdiff_t>(keptNorms) * qkv.vStride, T - keptNorms, hd,
                                Eigen::OuterStride<>(qkv.vStride));  // (seqLen - kept, headDim)
            headOutputNorms(fresh, *outProjection, h, hd, norms + keptNorms);
        }
    });
    if (recordNorms && cache != nullptr) {
        cache->keepNorms(layer, layout.nHeads, T, [&](int h) { return trace.valueNorms(layer, h); });
    }
    // P V over each block's keys; Q K^T too, or over every key when the
    // scores of hidden keys are recorded.
    std::uint64_t blockPairs = 0;  // (query, key) pairs of the blocks' visible keys
    for (int row0 = first; row0 < T; row0 += kAttentionRowBlock) {
        const int n = std::min(kAttentionRowBlock, T - row0);
        const auto [k0, k1] = blockKeys(mask, row0, n, T);
        blockPairs += static_cast<std::uint64_t>(n) * static_cast<std::uint64_t>(k1 - k0);
    }
    const std::uint64_t scorePairs = trace.hasScores() ? static_cast<std::uint64_t>(R) * T : blockPairs;
    countMatmulFlops(layout.nHeads, blockPairs + scorePairs, hd);
}

}  // namespace attnviz::core
