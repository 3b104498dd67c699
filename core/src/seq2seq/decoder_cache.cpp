#include "decoder_cache.h"

#include "seq2seq_attention.h"

#include <algorithm>
#include <string>

namespace attnviz::core {

void DecoderCache::reserve(int rows) {
    for (DecoderLayerCache& lc : layers) {
        if (length + rows <= lc.selfK.rows()) continue;
        const Eigen::Index capacity = std::max<Eigen::Index>(length + rows, 2 * lc.selfK.rows());
        lc.selfK.conservativeResize(capacity, Eigen::NoChange);
        lc.selfV.conservativeResize(capacity, Eigen::NoChange);
    }
}

std::unique_ptr<DecoderCache> startDecoderCache(const RowMatrix& encoderOut,
                                                std::span<const std::pair<const Linear*, const Linear*>> crossKV,
                                                int capacity, int width, const LayerMask& selfMask) {
    auto cache = std::make_unique<DecoderCache>();
    cache->sourceLen = static_cast<int>(encoderOut.rows());
    cache->selfMask = selfMask;
    for (const auto& [k, v] : crossKV) {
        DecoderLayerCache lc;
        linear(encoderOut, *k, lc.crossK);  // (S, width)
        linear(encoderOut, *v, lc.crossV);
        lc.selfK.resize(capacity, width);
        lc.selfV.resize(capacity, width);
        cache->layers.push_back(std::move(lc));
    }
    return cache;
}

Status attendCachedSelf(const DecoderStep& step, DecoderCache& cache, const RowMatrix& q, const RowMatrix& k,
                        const RowMatrix& v, const float* bias, float* probs, float* scores, RowMatrix& context) {
    DecoderLayerCache& lc = cache.layers[static_cast<std::size_t>(step.layer)];
    const int first = cache.length;
    const int n = static_cast<int>(q.rows());
    lc.selfK.middleRows(first, n) = k;
    lc.selfV.middleRows(first, n) = v;
    const AttentionInputs in{q.data(), lc.selfK.data(), lc.selfV.data(), static_cast<int>(q.cols()),
                             static_cast<int>(lc.selfK.cols()), static_cast<int>(lc.selfV.cols()), n, first + n,
                             step.nHeads, step.headDim, step.scale, first, true, cache.selfMask, bias};
    if (!attendHeads(in, probs, scores, context)) {
        return makeError(ErrorCode::InvalidInput, "decoder layer " + std::to_string(step.layer) +
                                                      ": attention scores are not finite (NaN or Inf)");
    }
    return {};
}

Status attendCachedCross(const DecoderStep& step, const DecoderCache& cache, const RowMatrix& q, float* probs,
                         RowMatrix& context) {
    const DecoderLayerCache& lc = cache.layers[static_cast<std::size_t>(step.layer)];
    const AttentionInputs in{q.data(), lc.crossK.data(), lc.crossV.data(), static_cast<int>(q.cols()),
                             static_cast<int>(lc.crossK.cols()), static_cast<int>(lc.crossV.cols()),
                             static_cast<int>(q.rows()), cache.sourceLen, step.nHeads, step.headDim, step.scale,
                             cache.length, false, {}, nullptr};
    if (!attendHeads(in, probs, nullptr, context)) {
        return makeError(ErrorCode::InvalidInput, "decoder layer " + std::to_string(step.layer) +
                                                      ": cross-attention scores are not finite (NaN or Inf)");
    }
    return {};
}

}  // namespace attnviz::core
