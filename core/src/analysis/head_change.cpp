#include "attnviz/core/head_change.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace attnviz::core {

std::vector<float> unitAttention(const float* probs, int seqLen, const RunAlignment& alignment, bool sideA) {
    const int n = static_cast<int>(alignment.units.size());
    std::vector<float> out(static_cast<std::size_t>(n) * n, 0.0f);
    for (int u = 0; u < n; ++u) {
        const std::vector<int>& queries = sideA ? alignment.units[static_cast<std::size_t>(u)].a : alignment.units[static_cast<std::size_t>(u)].b;
        std::vector<double> row(static_cast<std::size_t>(n), 0.0);
        for (int i : queries) {
            const float* p = probs + static_cast<std::ptrdiff_t>(i) * seqLen;
            for (int v = 0; v < n; ++v) {
                const std::vector<int>& keys = sideA ? alignment.units[static_cast<std::size_t>(v)].a : alignment.units[static_cast<std::size_t>(v)].b;
                for (int j : keys) row[static_cast<std::size_t>(v)] += p[j];
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

double jensenShannon(const float* p, const float* q, int n) {
    double js = 0;
    for (int k = 0; k < n; ++k) {
        const double a = p[k];
        const double b = q[k];
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

std::vector<HeadChange> rankHeadChanges(const AttentionTrace& a, const AttentionTrace& b, const RunAlignment& alignment) {
    std::vector<HeadChange> out;
    const int layers = std::min(a.nLayers(), b.nLayers());
    const int heads = std::min(a.nHeads(), b.nHeads());
    const int n = static_cast<int>(alignment.units.size());
    for (int l = 0; l < layers; ++l) {
        for (int h = 0; h < heads; ++h) {
            const std::vector<float> pa = unitAttention(a.probs(l, h), a.seqLen(), alignment, true);
            const std::vector<float> pb = unitAttention(b.probs(l, h), b.seqLen(), alignment, false);
            out.push_back({l, h, meanRowJensenShannon(pa, pb, n)});
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const HeadChange& x, const HeadChange& y) {
        const bool xn = std::isnan(x.meanJsd);
        const bool yn = std::isnan(y.meanJsd);
        if (xn != yn) return yn;  // NaN last
        return x.meanJsd > y.meanJsd;
    });
    return out;
}

}  // namespace attnviz::core
