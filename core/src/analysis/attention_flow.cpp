#include "attnviz/core/attention_flow.h"

#include "attnviz/core/rollout.h"

#include <algorithm>
#include <cassert>
#include <limits>
#include <vector>

namespace attnviz::core {
namespace {

// Residuals below this are spent: capacities are probabilities (at most 1),
// so it is far below any flow worth showing.
constexpr double kEps = 1e-12;

// Dinic's algorithm on the layered graph: layers 0..top of `n` nodes each,
// capacity cap[l](a, b) on the edge (l + 1, a) -> (l, b), flow[l](a, b) on
// it; the residual graph adds (l, b) -> (l + 1, a) with the flow as room.
class LayerFlow {
public:
    LayerFlow(std::vector<DoubleMatrix> capacities, int n)
        : m_cap(std::move(capacities)), m_n(n), m_top(static_cast<int>(m_cap.size())) {
        for (std::size_t l = 0; l < m_cap.size(); ++l) m_flow.push_back(DoubleMatrix::Zero(n, n));
        const std::size_t nodes = static_cast<std::size_t>(m_top + 1) * n;
        m_level.assign(nodes, -1);
        m_next.assign(nodes, 0);
    }

    // The maximum flow from (top, source) to (0, sink); every flow is reset first.
    double maxFlow(int source, int sink) {
        for (const auto& [l, a, b] : m_touched) m_flow[l](a, b) = 0.0;
        m_touched.clear();
        const int s = node(m_top, source);
        const int t = node(0, sink);
        double total = 0.0;
        while (levels(s, t)) {
            std::fill(m_next.begin(), m_next.end(), 0);
            for (double pushed; (pushed = push(s, t, std::numeric_limits<double>::infinity())) > kEps;) total += pushed;
        }
        return total;
    }

private:
    int node(int layer, int token) const { return layer * m_n + token; }

    // Room on neighbour slot k of node v (k < n: down to (l - 1, k); else up
    // to (l + 1, k - n)); 0 when there is no such edge.
    double room(int v, int k) const {
        const int l = v / m_n;
        const int a = v % m_n;
        if (k < m_n) return l > 0 ? m_cap[l - 1](a, k) - m_flow[l - 1](a, k) : 0.0;
        return l < m_top ? m_flow[l](k - m_n, a) : 0.0;
    }
    int neighbour(int v, int k) const {
        const int l = v / m_n;
        return k < m_n ? node(l - 1, k) : node(l + 1, k - m_n);
    }

    // Breadth-first levels of the residual graph; false when t is cut off.
    bool levels(int s, int t) {
        std::fill(m_level.begin(), m_level.end(), -1);
        std::vector<int> queue{s};
        m_level[static_cast<std::size_t>(s)] = 0;
        for (std::size_t head = 0; head < queue.size(); ++head) {
            const int v = queue[head];
            for (int k = 0; k < 2 * m_n; ++k) {
                if (room(v, k) <= kEps) continue;
                const int w = neighbour(v, k);
                if (m_level[static_cast<std::size_t>(w)] >= 0) continue;
                m_level[static_cast<std::size_t>(w)] = m_level[static_cast<std::size_t>(v)] + 1;
                queue.push_back(w);
            }
        }
        return m_level[static_cast<std::size_t>(t)] >= 0;
    }

    // Pushes up to `limit` along level-increasing paths from v to t.
    double push(int v, int t, double limit) {
        if (v == t) return limit;
        for (int& k = m_next[static_cast<std::size_t>(v)]; k < 2 * m_n; ++k) {
            const double r = room(v, k);
            if (r <= kEps) continue;
            const int w = neighbour(v, k);
            if (m_level[static_cast<std::size_t>(w)] != m_level[static_cast<std::size_t>(v)] + 1) continue;
            const double pushed = push(w, t, std::min(limit, r));
            if (pushed <= kEps) continue;
            const int l = v / m_n;
            const int a = v % m_n;
            if (k < m_n) {
                // forward: (l, a) -> (l - 1, k)
                double& f = m_flow[l - 1](a, k);
                if (f == 0.0) m_touched.push_back({l - 1, a, k});
                f += pushed;
            } else {
                // backward: undo flow on (l + 1, k - n) -> (l, a)
                m_flow[l](k - m_n, a) -= pushed;
            }
            return pushed;
        }
        return 0.0;
    }

    struct Edge {
        int layer, from, to;
    };
    std::vector<DoubleMatrix> m_cap;   // per layer l: (n, n), (l + 1, a) -> (l, b)
    std::vector<DoubleMatrix> m_flow;  // the same shape
    int m_n;
    int m_top;
    std::vector<int> m_level;
    std::vector<int> m_next;
    std::vector<Edge> m_touched;
};

}  // namespace

Result<RowMatrix> attentionFlow(const AttentionTrace& trace, int lastLayer, const AnalysisControl& control) {
    assert(trace.nLayers() > 0 && trace.nHeads() > 0 && lastLayer < trace.nLayers());
    const int T = trace.seqLen();
    const int last = lastLayer < 0 ? trace.nLayers() - 1 : lastLayer;
    std::vector<DoubleMatrix> capacities;
    // The T^2 maximum flows take nearly all of the time; reading the heads a tenth at most.
    for (int l = 0; l <= last; ++l) {
        capacities.push_back(residualMixing(trace, l, control.part(0.1 * l / (last + 1), 0.1 / (last + 1))));
    }
    LayerFlow graph(std::move(capacities), T);
    RowMatrix out(T, T);  // (seqLen, seqLen)
    std::vector<double> row(static_cast<std::size_t>(T));
    for (int i = 0; i < T; ++i) {
        if (control.cancelled()) return makeError(ErrorCode::Cancelled, "cancelled");
        control.progress(0.1 + 0.9 * i / T);
        double sum = 0.0;
        for (int j = 0; j < T; ++j) {
            row[static_cast<std::size_t>(j)] = graph.maxFlow(i, j);
            sum += row[static_cast<std::size_t>(j)];
        }
        for (int j = 0; j < T; ++j) out(i, j) = static_cast<float>(sum > 0 ? row[static_cast<std::size_t>(j)] / sum : 0.0);
    }
    control.progress(1.0);
    return out;
}

}  // namespace attnviz::core
