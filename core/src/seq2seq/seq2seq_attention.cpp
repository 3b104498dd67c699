#include "seq2seq_attention.h"

#include "attnviz/core/flop_count.h"
#include "../parallel_for.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

namespace attnviz::core {

bool attendHeads(const AttentionInputs& in, float* probs, float* scores, RowMatrix& context) {
    const int hd = in.headDim;
    const int nq = in.queries;
    const int nk = in.keys;
    const std::size_t perHead = static_cast<std::size_t>(nq) * nk;
    context.resize(nq, static_cast<Eigen::Index>(in.nHeads) * hd);
    const double work = static_cast<double>(in.nHeads) * nq * nk * hd;
    std::vector<char> headFinite(static_cast<std::size_t>(in.nHeads), 1);
    forEachIndex(in.nHeads, work >= (1 << 20), [&](int h) {
        float* p = probs + h * perHead;  // (queries, keys)
        // scores = scale q k^T (+ bias)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nq, nk, hd, in.scale, in.q + h * hd, in.qStride,
                    in.k + h * hd, in.kStride, 0.0f, p, nk);
        if (in.bias != nullptr) {
            const float* b = in.bias + h * perHead;
            for (std::size_t e = 0; e < perHead; ++e) p[e] += b[e];
        }
        float check = 0.0f;
        for (std::size_t e = 0; e < perHead; ++e) check += p[e] * 0.0f;
        if (!std::isfinite(check)) headFinite[static_cast<std::size_t>(h)] = 0;
        if (scores != nullptr) std::copy(p, p + perHead, scores + h * perHead);
        for (int i = 0; i < nq; ++i) {
            float* row = p + static_cast<std::size_t>(i) * nk;
            if (!in.masked) {
                softmaxRange(row, nk, 0, nk);
                continue;
            }
            const int position = in.firstQuery + i;
            if (in.mask.globalTokens.empty()) {
                // band() takes the sequence length; a query sees no key beyond the last one
                const auto [begin, end] = in.mask.band(position, nk);
                softmaxRange(row, nk, begin, end);
            } else {
                softmaxWhere(row, nk, [&](int j) { return in.mask.allows(position, j); });
            }
        }
        // context of this head = P V
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nq, hd, nk, 1.0f, p, nk, in.v + h * hd, in.vStride, 0.0f,
                    context.data() + h * hd, static_cast<int>(context.cols()));
    });
    countMatmulFlops(2ULL * in.nHeads * nq, nk, hd);
    return std::all_of(headFinite.begin(), headFinite.end(), [](char f) { return f != 0; });
}

int t5RelativeBucket(int relative, bool bidirectional, int buckets, int maxDistance) {
    int bucket = 0;
    int n = 0;
    if (bidirectional) {
        buckets /= 2;
        if (relative > 0) bucket += buckets;
        n = std::abs(relative);
    } else {
        n = -std::min(relative, 0);
    }
    const int maxExact = buckets / 2;
    if (n < maxExact) return bucket + n;
    // As transformers computes it, in float32: log(n / maxExact) /
    // log(maxDistance / maxExact) * (buckets - maxExact), truncated.
    const float ratio = std::log(static_cast<float>(n) / static_cast<float>(maxExact));
    const auto range = static_cast<float>(std::log(static_cast<double>(maxDistance) / maxExact));
    const float scaled = ratio / range * static_cast<float>(buckets - maxExact);
    const int large = std::min(maxExact + static_cast<int>(scaled), buckets - 1);
    return bucket + large;
}

void t5PositionBias(const float* table, int buckets, int maxDistance, int nHeads, bool bidirectional, int firstQuery,
                    int queries, int keys, std::vector<float>& bias) {
    const std::size_t perHead = static_cast<std::size_t>(queries) * keys;
    bias.resize(perHead * nHeads);
    for (int i = 0; i < queries; ++i) {
        for (int j = 0; j < keys; ++j) {
            const int b = t5RelativeBucket(j - (firstQuery + i), bidirectional, buckets, maxDistance);
            const float* row = table + static_cast<std::size_t>(b) * nHeads;  // (nHeads)
            for (int h = 0; h < nHeads; ++h) bias[h * perHead + static_cast<std::size_t>(i) * keys + j] = row[h];
        }
    }
}

}  // namespace attnviz::core
