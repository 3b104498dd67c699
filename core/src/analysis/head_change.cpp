#include "attnviz/core/head_change.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace attnviz::core {

namespace {

// The unit of each token of one side (-1: in no unit).
std::vector<int> unitOfTokens(int seqLen, const RunAlignment& alignment, bool sideA) {
    std::vector<int> unitOf(static_cast<std::size_t>(seqLen), -1);
    for (std::size_t u = 0; u < alignment.units.size(); ++u) {
        for (int t : sideA ? alignment.units[u].a : alignment.units[u].b) {
            if (t >= 0 && t < seqLen) unitOf[static_cast<std::size_t>(t)] = static_cast<int>(u);
        }
    }
    return unitOf;
}

std::vector<float> unitAttentionWith(const float* probs, int seqLen, const RunAlignment& alignment, bool sideA,
                                     const std::vector<int>& unitOf) {
    const int n = static_cast<int>(alignment.units.size());
    std::vector<float> out(static_cast<std::size_t>(n) * n, 0.0f);
    std::vector<double> row(static_cast<std::size_t>(n));
    for (int u = 0; u < n; ++u) {
        std::fill(row.begin(), row.end(), 0.0);
        for (int i : sideA ? alignment.units[static_cast<std::size_t>(u)].a : alignment.units[static_cast<std::size_t>(u)].b) {
            const float* p = probs + static_cast<std::ptrdiff_t>(i) * seqLen;
            for (int j = 0; j < seqLen; ++j) {
                const int v = unitOf[static_cast<std::size_t>(j)];
                if (v >= 0) row[static_cast<std::size_t>(v)] += p[j];
            }
        }
        double total = 0;
        for (double x : row) total += x;
        for (int v = 0; v < n; ++v) {
            out[static_cast<std::size_t>(u) * n + v] =
                total > 0 ? static_cast<float>(row[static_cast<std::size_t>(v)] / total) : std::numeric_limits<float>::quiet_NaN();
        }
    }
    return out;
}

}  // namespace

std::vector<float> unitAttention(const float* probs, int seqLen, const RunAlignment& alignment, bool sideA) {
    return unitAttentionWith(probs, seqLen, alignment, sideA, unitOfTokens(seqLen, alignment, sideA));
}

double jensenShannon(const float* p, const float* q, int n) {
    double js = 0;
    for (int k = 0; k < n; ++k) {
        const double a = p[k];
        const double b = q[k];
        if (a == b) continue;  // both terms are 0 (masked keys, unchanged rows)
        const double m = 0.5 * (a + b);
        if (a > 0) js += 0.5 * a * std::log(a / m);
        if (b > 0) js += 0.5 * b * std::log(b / m);
    }
    return std::max(0.0, js);
}

double meanRowJensenShannon(const std::vector<float>& p, const std::vector<float>& q, int n) {
    double sum = 0;
    int rows = 0;
    for (int u = 0; u < n; ++u) {
        const float* a = p.data() + static_cast<std::size_t>(u) * n;
        const float* b = q.data() + static_cast<std::size_t>(u) * n;
        if (std::isnan(a[0]) || std::isnan(b[0])) continue;
        sum += jensenShannon(a, b, n);
        ++rows;
    }
    return rows > 0 ? sum / rows : std::numeric_limits<double>::quiet_NaN();
}

std::vector<HeadChange> rankHeadChanges(const AttentionTrace& a, const AttentionTrace& b, const RunAlignment& alignment,
                                        const std::atomic<bool>* cancel) {
    const int layers = std::min(a.nLayers(), b.nLayers());
    const int heads = std::min(a.nHeads(), b.nHeads());
    const int n = static_cast<int>(alignment.units.size());
    const std::vector<int> unitOfA = unitOfTokens(a.seqLen(), alignment, true);
    const std::vector<int> unitOfB = unitOfTokens(b.seqLen(), alignment, false);
    std::vector<HeadChange> out(static_cast<std::size_t>(layers) * heads);
    // Each head on its own: O(T^2) sums and logs, 512 heads x 1k tokens
    // take seconds on one core.
#pragma omp parallel for schedule(dynamic, 1)
    for (int k = 0; k < layers * heads; ++k) {
        const int l = k / heads;
        const int h = k % heads;
        if (cancel != nullptr && cancel->load()) {
            out[static_cast<std::size_t>(k)] = {l, h, std::numeric_limits<double>::quiet_NaN()};
            continue;
        }
        const std::vector<float> pa = unitAttentionWith(a.headProbs(l, h).data(), a.seqLen(), alignment, true, unitOfA);
        const std::vector<float> pb = unitAttentionWith(b.headProbs(l, h).data(), b.seqLen(), alignment, false, unitOfB);
        out[static_cast<std::size_t>(k)] = {l, h, meanRowJensenShannon(pa, pb, n)};
    }
    std::stable_sort(out.begin(), out.end(), [](const HeadChange& x, const HeadChange& y) {
        const bool xn = std::isnan(x.meanJsd);
        const bool yn = std::isnan(y.meanJsd);
        if (xn != yn) return yn;  // NaN last
        return x.meanJsd > y.meanJsd;
    });
    return out;
}

bool writeHeadChangesCsv(std::FILE* out, std::span<const HeadChange> ranking) {
    std::fputs("rank,layer,head,mean_jsd\n", out);
    for (std::size_t i = 0; i < ranking.size(); ++i) {
        const HeadChange& h = ranking[i];
        std::fprintf(out, "%zu,%d,%d,", i + 1, h.layer, h.head);
        if (!std::isnan(h.meanJsd)) std::fprintf(out, "%.9g", h.meanJsd);
        std::fputc('\n', out);
    }
    return std::ferror(out) == 0;
}

}  // namespace attnviz::core
