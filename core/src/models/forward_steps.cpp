#include "forward_steps.h"

#include "attnviz/core/prefix_cache.h"

#include <algorithm>
#include <optional>

namespace attnviz::core {

using R = TensorRole;

RopeScalingParams ropeScalingParams(const RopeScaling& scaling) {
    RopeScalingParams p;
    switch (scaling.type) {
    case RopeScaling::Type::None: p.kind = RopeScalingParams::Kind::None; break;
    case RopeScaling::Type::Linear: p.kind = RopeScalingParams::Kind::Linear; break;
    case RopeScaling::Type::Llama3: p.kind = RopeScalingParams::Kind::Llama3; break;
    }
    p.factor = static_cast<float>(scaling.factor);
    p.lowFreqFactor = static_cast<float>(scaling.lowFreqFactor);
    p.highFreqFactor = static_cast<float>(scaling.highFreqFactor);
    p.originalMaxPositions = static_cast<float>(scaling.originalMaxPositions);
    return p;
}

RowMatrix embedTokens(const float* table, std::span<const std::int32_t> ids, int width) {
    const int T = static_cast<int>(ids.size());
    RowMatrix x(T, width);  // (seqLen, width)
    for (int t = 0; t < T; ++t) {
        x.row(t) = Eigen::Map<const Eigen::RowVectorXf>(table + static_cast<std::size_t>(ids[t]) * width, width);
    }
    return x;
}

void addPositionEmbeddings(RowMatrix& x, const float* table, int first) {
    const int width = static_cast<int>(x.cols());
    for (int t = 0; t < static_cast<int>(x.rows()); ++t) {
        const std::size_t row = static_cast<std::size_t>(first + t);
        x.row(t) += Eigen::Map<const Eigen::RowVectorXf>(table + row * width, width);
    }
}

int firstRow(const RunOptions& options) {
    return options.prefixCache != nullptr ? options.prefixCache->firstRow() : 0;
}

const RowMatrix& keptAndNew(const RunOptions& options, int layer, int slot, const RowMatrix& fresh) {
    return options.prefixCache != nullptr ? options.prefixCache->extend(layer, slot, fresh) : fresh;
}

QkvView allRows(const RunOptions& options, int layer, const RowMatrix& q, const RowMatrix& k, const RowMatrix& v) {
    // Each pointer is taken at once: a later slot may move the earlier
    // matrices (not their data) when the cache grows.
    QkvView all;
    if (options.prefixCache != nullptr && options.prefixCache->reuse() == PrefixCache::Reuse::NewRowsOnly) {
        // Attention for the new queries only: the old ones are not kept.
        all.q = q.data();  // (seqLen - first, nHeads headDim)
        all.qStride = static_cast<int>(q.cols());
        all.qFirstRow = firstRow(options);
    } else {
        const RowMatrix& allQ = keptAndNew(options, layer, 0, q);  // (seqLen, nHeads headDim)
        all.q = allQ.data();
        all.qStride = static_cast<int>(allQ.cols());
    }
    const RowMatrix& allK = keptAndNew(options, layer, 1, k);  // (seqLen, nKvHeads headDim)
    all.k = allK.data();
    all.kStride = static_cast<int>(allK.cols());
    const RowMatrix& allV = keptAndNew(options, layer, 2, v);  // (seqLen, nKvHeads headDim)
    all.v = allV.data();
    all.vStride = static_cast<int>(allV.cols());
    return all;
}

RopeTable ropeRows(RopeTable table, int first) {
    if (first == 0) return table;
    const Eigen::Index rows = table.cos.rows() - first;
    return {table.cos.bottomRows(rows), table.sin.bottomRows(rows)};
}

Linear lmHead(const BoundTensors& w, bool tied, const float* tokenEmbedding, int width, int vocabSize) {
    if (tied) return Linear{tokenEmbedding, w.get(R::LmHeadBias), width, vocabSize};
    return w.linear(R::LmHeadWeight, R::LmHeadBias);
}

RowMatrix logitRows(const RowMatrix& x, const AttentionTrace& trace, int first) {
    if (trace.logitPositions.empty()) return x;
    RowMatrix rows(static_cast<Eigen::Index>(trace.logitPositions.size()), x.cols());  // (logitRows, width)
    for (std::size_t r = 0; r < trace.logitPositions.size(); ++r) {
        rows.row(static_cast<Eigen::Index>(r)) = x.row(trace.logitPositions[r] - first);
    }
    return rows;
}

const RowMatrix& newRows(const RowMatrix& m, int first, RowMatrix& scratch) {
    if (first == 0) return m;
    scratch = m.bottomRows(m.rows() - first);
    return scratch;
}

void storeLogits(const RowMatrix& logits, int vocabSize, AttentionTrace& trace) {
    trace.vocabSize = vocabSize;
    trace.logits.assign(logits.data(), logits.data() + logits.size());
}

void writeLogits(const RowMatrix& x, const Linear& head, int vocabSize, AttentionTrace& trace) {
    RowMatrix logits;  // (seqLen, vocab)
    linear(x, head, logits);
    storeLogits(logits, vocabSize, trace);
}

bool cancelRequested(const RunOptions& options) { return options.cancel != nullptr && options.cancel->load(); }

Error cancelledError() { return makeError(ErrorCode::Cancelled, "cancelled"); }

namespace {

// The MLP's inner activations are a pass's largest matrices: at 8k tokens a
// 1B Llama's gate and up are 268 MB each. Rows are independent there, so
// long inputs go through in chunks of this many rows (a multiple of the
// row grid's 256, see rowBlockEnd).
constexpr int kFeedForwardRows = 2048;

// y (rows, outWidth) = mlp(h) chunk by chunk. Under a RowBlockedLinear the
// chunks end at multiples of kFeedForwardRows of the absolute row, which
// are row grid boundaries, so every BLAS call multiplies the rows it would
// have without chunks (prefix reuse stays bit-identical to a fresh run).
template <typename Mlp>
void inRowChunks(const RowMatrix& h, int outWidth, RowMatrix& y, Mlp mlp) {
    const int rows = static_cast<int>(h.rows());
    if (rows <= kFeedForwardRows) {
        mlp(h, y);
        return;
    }
    const bool blocked = RowBlockedLinear::active();
    const int first = blocked ? RowBlockedLinear::currentFirstRow() : 0;
    y.resize(rows, outWidth);
    RowMatrix hc, yc;  // (chunk, dModel), (chunk, outWidth)
    for (int r = 0; r < rows;) {
        const int absolute = first + r;
        const int n = std::min(rows - r, (absolute / kFeedForwardRows + 1) * kFeedForwardRows - absolute);
        hc = h.middleRows(r, n);
        std::optional<RowBlockedLinear> scope;
        if (blocked) scope.emplace(absolute);
        mlp(hc, yc);
        y.middleRows(r, n) = yc;
        r += n;
    }
}

}  // namespace

void feedForward(const RowMatrix& h, const Linear& in, Activation act, const Linear& out, RowMatrix& y) {
    inRowChunks(h, out.out, y, [&](const RowMatrix& x, RowMatrix& result) {
        RowMatrix inner;  // (rows, dFF)
        linear(x, in, inner);
        applyActivation(inner, act);
        linear(inner, out, result);
    });
}

void gatedFeedForward(const RowMatrix& h, const Linear& gate, const Linear& up, Activation act,
                      const Linear& down, RowMatrix& y) {
    inRowChunks(h, down.out, y, [&](const RowMatrix& x, RowMatrix& result) {
        RowMatrix g, u;  // (rows, dFF) each
        linear(x, gate, g);
        linear(x, up, u);
        applyActivation(g, act);
        g.array() *= u.array();
        linear(g, down, result);
    });
}

LayerNormLayer bindLayerNormLayer(const BoundTensors& w, int layer, WeightLayout layout) {
    auto dense = [&](R weight, R bias) {
        return layout == WeightLayout::Conv1D ? w.conv1d(weight, bias, layer) : w.linear(weight, bias, layer);
    };
    LayerNormLayer L;
    L.attnNormGain = w.get(R::AttnNormWeight, layer);
    L.attnNormBias = w.get(R::AttnNormBias, layer);
    if (w.has(R::AttnQkvWeight, layer)) {
        L.qkv = dense(R::AttnQkvWeight, R::AttnQkvBias);
    } else {
        L.q = dense(R::AttnQWeight, R::AttnQBias);
        L.k = dense(R::AttnKWeight, R::AttnKBias);
        L.v = dense(R::AttnVWeight, R::AttnVBias);
    }
    L.out = dense(R::AttnOutWeight, R::AttnOutBias);
    L.ffnNormGain = w.get(R::FfnNormWeight, layer);
    L.ffnNormBias = w.get(R::FfnNormBias, layer);
    L.ffnIn = dense(R::FfnUpWeight, R::FfnUpBias);
    L.ffnOut = dense(R::FfnDownWeight, R::FfnDownBias);
    return L;
}

LayerNormDecoder bindLayerNormDecoder(const BoundTensors& w, const ModelConfig& c, bool tiedHead, int embedWidth,
                                      WeightLayout layout) {
    LayerNormDecoder m;
    m.tokenEmbedding = w.get(R::TokenEmbedding);
    m.positionEmbedding = w.get(R::PositionEmbedding);
    for (int l = 0; l < c.nLayers; ++l) m.layers.push_back(bindLayerNormLayer(w, l, layout));
    m.finalNormGain = w.get(R::FinalNormWeight);
    m.finalNormBias = w.get(R::FinalNormBias);
    m.lmHead = lmHead(w, tiedHead, m.tokenEmbedding, embedWidth, c.vocabSize);
    return m;
}

void splitGroupedQkv(const RowMatrix& qkv, int nKvHeads, int perGroup, int headDim, RowMatrix& q, RowMatrix& k,
                     RowMatrix& v) {
    const int T = static_cast<int>(qkv.rows());
    const int hd = headDim;
    const int qDim = nKvHeads * perGroup * hd;
    const int kvDim = nKvHeads * hd;
    q.resize(T, qDim);   // (seqLen, nHeads headDim)
    k.resize(T, kvDim);  // (seqLen, nKvHeads headDim)
    v.resize(T, kvDim);  // (seqLen, nKvHeads headDim)
    for (int t = 0; t < T; ++t) {
        const float* row = qkv.data() + static_cast<std::size_t>(t) * qkv.cols();
        for (int g = 0; g < nKvHeads; ++g) {
            const float* group = row + static_cast<std::size_t>(g) * (perGroup + 2) * hd;
            std::copy(group, group + perGroup * hd, q.data() + static_cast<std::size_t>(t) * qDim + g * perGroup * hd);
            std::copy(group + perGroup * hd, group + (perGroup + 1) * hd,
                      k.data() + static_cast<std::size_t>(t) * kvDim + g * hd);
            std::copy(group + (perGroup + 1) * hd, group + (perGroup + 2) * hd,
                      v.data() + static_cast<std::size_t>(t) * kvDim + g * hd);
        }
    }
}

}  // namespace attnviz::core
