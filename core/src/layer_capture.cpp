#include "attnviz/core/layer_capture.h"

#include "layer_capture_steps.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

namespace attnviz::core {
namespace {

// Rows [0, seqLen) of `columns` columns starting at `data`, row stride `stride`.
RowMatrix copyRows(const float* data, int seqLen, int columns, int stride) {
    using Strided = Eigen::Map<const RowMatrix, 0, Eigen::OuterStride<>>;
    return Strided(data, seqLen, columns, Eigen::OuterStride<>(stride));
}

// The (headDim) slice of head `h` in row `row` of m.
std::vector<float> slice(const RowMatrix& m, int row, int h, int headDim) {
    const float* p = m.data() + static_cast<std::ptrdiff_t>(row) * m.cols() + static_cast<std::ptrdiff_t>(h) * headDim;
    return std::vector<float>(p, p + headDim);
}

// Rows [0, keys) of head h's slice, (keys * headDim).
std::vector<float> sliceRows(const RowMatrix& m, int keys, int h, int headDim) {
    std::vector<float> out;
    out.reserve(static_cast<std::size_t>(keys) * headDim);
    for (int j = 0; j < keys; ++j) {
        const std::vector<float> row = slice(m, j, h, headDim);
        out.insert(out.end(), row.begin(), row.end());
    }
    return out;
}

}  // namespace

void captureBeforeRope(LayerCapture& capture, const RowMatrix& q, const RowMatrix& k) {
    capture.qBeforeRope = q;
    capture.kBeforeRope = k;
}

void captureAttention(LayerCapture& capture, const RowMatrix& x, const QkvView& qkv, int seqLen,
                      const HeadLayout& heads, const RowMatrix& context, std::string scaleRule,
                      std::string residualRule) {
    captureAttention(capture, x, qkv, seqLen, seqLen, heads, context, std::move(scaleRule), std::move(residualRule));
}

void captureAttention(LayerCapture& capture, const RowMatrix& x, const QkvView& qkv, int queries, int keys,
                      const HeadLayout& heads, const RowMatrix& context, std::string scaleRule,
                      std::string residualRule) {
    capture.nHeads = heads.nHeads;
    capture.nKvHeads = heads.nKvHeads;
    capture.headDim = heads.headDim;
    capture.dModel = static_cast<int>(x.cols());
    capture.scale = heads.scale;
    capture.softcap = heads.softcap;
    capture.scaleRule = std::move(scaleRule);
    capture.residualRule = std::move(residualRule);
    capture.x = x;
    capture.q = copyRows(qkv.q, queries, heads.nHeads * heads.headDim, qkv.qStride);
    capture.k = copyRows(qkv.k, keys, heads.nKvHeads * heads.headDim, qkv.kStride);
    capture.v = copyRows(qkv.v, keys, heads.nKvHeads * heads.headDim, qkv.vStride);
    capture.context = context.topRows(queries);
}

void captureOutput(LayerCapture& capture, const RowMatrix& blockOutput, const Linear& out) {
    capture.blockOutput = blockOutput;
    const int hd = capture.headDim;
    const Eigen::Index T = capture.context.rows();
    capture.headContributionNorms.resize(T, capture.nHeads);
    std::vector<float> norms(static_cast<std::size_t>(T));
    for (int h = 0; h < capture.nHeads; ++h) {
        const Eigen::Map<const RowMatrix, 0, Eigen::OuterStride<>> o(capture.context.data() + static_cast<std::ptrdiff_t>(h) * hd, T,
                                                                     hd, Eigen::OuterStride<>(capture.context.cols()));  // (seqLen, headDim)
        headOutputNorms(o, out, h, hd, norms.data());
        for (Eigen::Index i = 0; i < T; ++i) capture.headContributionNorms(i, h) = norms[static_cast<std::size_t>(i)];
    }
}

std::string inverseSqrtRule(int headDim) {
    return "1/sqrt(d_head) = 1/sqrt(" + std::to_string(headDim) + ")";
}

namespace {

// What differs between self- and cross-attention rows: how many queries and
// keys there are, where the probabilities come from and which keys the query
// may see.
struct RowSource {
    int firstRow = 0;  // the first query the probabilities hold
    int queries = 0;
    int keys = 0;
    std::function<float(int)> probability;  // of key j for the chosen (head, query)
    std::function<bool(int)> visible;       // key j is not masked
};

Result<ExplainedRow> explainFrom(const LayerCapture& capture, const RowSource& src, int head, int query) {
    const int T = src.keys;
    if (head < 0 || head >= capture.nHeads) {
        return makeError(ErrorCode::InvalidInput, "head " + std::to_string(head) + " is outside the layer's heads (0.." +
                                                      std::to_string(capture.nHeads - 1) + ")");
    }
    if (query < src.firstRow || query >= src.queries) {
        return makeError(ErrorCode::InvalidInput, "query " + std::to_string(query) + " is outside the tokens (" +
                                                      std::to_string(src.firstRow) + ".." +
                                                      std::to_string(src.queries - 1) + ")");
    }
    if (capture.q.rows() != src.queries || capture.k.rows() != T || capture.v.rows() != T) {
        return makeError(ErrorCode::InvalidInput, "the capture of layer " + std::to_string(capture.layer) + " holds " +
                                                      std::to_string(capture.q.rows()) + " queries and " +
                                                      std::to_string(capture.k.rows()) + " keys, the attention " +
                                                      std::to_string(src.queries) + " and " + std::to_string(T));
    }
    if (std::find(capture.unexplainedRows.begin(), capture.unexplainedRows.end(), query) != capture.unexplainedRows.end()) {
        return makeError(ErrorCode::Unsupported, "query " + std::to_string(query) + ": " + capture.unexplainedReason);
    }
    const int hd = capture.headDim;
    const int g = head / (capture.nHeads / capture.nKvHeads);
    ExplainedRow r;
    r.layer = capture.layer;
    r.head = head;
    r.query = query;
    r.kvHead = g;
    r.keys = T;
    r.scale = capture.scale;
    r.softcap = capture.softcap;
    r.scaleRule = capture.scaleRule;
    r.x.assign(capture.x.row(query).data(), capture.x.row(query).data() + capture.x.cols());
    r.q = slice(capture.q, query, head, hd);
    r.k = sliceRows(capture.k, T, g, hd);
    r.v = sliceRows(capture.v, T, g, hd);
    if (capture.qBeforeRope.rows() == src.queries && capture.kBeforeRope.rows() == T) {
        r.qBeforeRope = slice(capture.qBeforeRope, query, head, hd);
        r.kBeforeRope = sliceRows(capture.kBeforeRope, T, g, hd);
    }
    // The scores in double, each rounded to float: within a few ulps of the
    // kernel's float GEMM.
    const bool biased = capture.positionBias.rows() == capture.nHeads &&
                        capture.positionBias.cols() == static_cast<Eigen::Index>(src.queries) * T;
    r.scores.resize(T);
    r.scaled.resize(T);
    r.visible.resize(T);
    r.probabilities.resize(T);
    for (int j = 0; j < T; ++j) {
        double dot = 0;
        for (int d = 0; d < hd; ++d) dot += static_cast<double>(r.q[d]) * r.k[static_cast<std::size_t>(j) * hd + d];
        r.scores[j] = static_cast<float>(dot);
        double s = capture.scale * dot;
        if (capture.softcap > 0) s = capture.softcap * std::tanh(s / capture.softcap);
        if (biased) {
            const float bias = capture.positionBias(head, static_cast<Eigen::Index>(query) * T + j);
            r.positionBias.push_back(bias);
            s += bias;
        }
        r.scaled[j] = static_cast<float>(s);
        r.visible[j] = src.visible(j) ? 1 : 0;
        r.probabilities[j] = src.probability(j);
    }
    r.output.assign(hd, 0.0f);
    for (int d = 0; d < hd; ++d) {
        double o = 0;
        for (int j = 0; j < T; ++j) o += static_cast<double>(r.probabilities[j]) * r.v[static_cast<std::size_t>(j) * hd + d];
        r.output[d] = static_cast<float>(o);
    }
    return r;
}

}  // namespace

Result<ExplainedRow> explainRow(const LayerCapture& capture, const AttentionTrace& trace, int head, int query) {
    if (capture.layer < 0 || capture.layer >= trace.nLayers()) {
        return makeError(ErrorCode::InvalidInput, "the capture's layer " + std::to_string(capture.layer) +
                                                      " is not a layer of the trace (0.." +
                                                      std::to_string(trace.nLayers() - 1) + ")");
    }
    const int T = trace.seqLen();
    const LayerMask mask = trace.layerMask(capture.layer);
    const bool inHeads = head >= 0 && head < trace.nHeads();
    const RowSource src{trace.firstRow(), T, T,
                        [&](int j) { return inHeads ? trace.prob(capture.layer, head, query, j) : 0.0f; },
                        [&](int j) { return mask.allows(query, j); }};
    return explainFrom(capture, src, head, query);
}

Result<ExplainedRow> explainCrossRow(const LayerCapture& capture, const AttentionBlock& cross, int head, int query) {
    if (capture.layer < 0 || capture.layer >= cross.nLayers()) {
        return makeError(ErrorCode::InvalidInput, "the capture's layer " + std::to_string(capture.layer) +
                                                      " is not a layer of the cross-attention (0.." +
                                                      std::to_string(cross.nLayers() - 1) + ")");
    }
    const bool inHeads = head >= 0 && head < cross.nHeads();
    const RowSource src{0, cross.rows(), cross.cols(),
                        [&](int j) { return inHeads ? cross.prob(capture.layer, head, query, j) : 0.0f; },
                        [](int) { return true; }};
    return explainFrom(capture, src, head, query);
}

std::vector<float> queryKeyProducts(const ExplainedRow& row) {
    const int hd = static_cast<int>(row.q.size());
    std::vector<float> out(static_cast<std::size_t>(row.keys) * hd);
    for (int j = 0; j < row.keys; ++j) {
        for (int d = 0; d < hd; ++d) {
            out[static_cast<std::size_t>(j) * hd + d] = row.q[d] * row.k[static_cast<std::size_t>(j) * hd + d];
        }
    }
    return out;
}

}  // namespace attnviz::core
