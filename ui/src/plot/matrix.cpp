#include "attnviz/ui/plot/matrix.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace attnviz::ui {

Matrix::Matrix(int rows, int cols, float fill)
    : m_rows(rows), m_cols(cols), m_values(static_cast<std::size_t>(rows) * cols, fill) {}

Matrix attentionMatrix(const core::AttentionTrace& trace, int layer, int head) {
    const int T = trace.seqLen();
    Matrix m(T, T);
    if (head >= 0) {
        const core::HeadMatrix held = trace.headProbs(layer, head);
        const float* p = held.data();
        for (int i = 0; i < T; ++i) {
            for (int j = 0; j < T; ++j) m.at(i, j) = p[static_cast<std::size_t>(i) * T + j];
        }
        return m;
    }
    // Accumulate in double so the mean does not depend on the head order's rounding.
    std::vector<double> sum(static_cast<std::size_t>(T) * T, 0.0);
    for (int h = 0; h < trace.nHeads(); ++h) {
        const core::HeadMatrix held = trace.headProbs(layer, h);
        const float* p = held.data();
        for (std::size_t k = 0; k < sum.size(); ++k) sum[k] += p[k];
    }
    for (int i = 0; i < T; ++i) {
        for (int j = 0; j < T; ++j) {
            m.at(i, j) = static_cast<float>(sum[static_cast<std::size_t>(i) * T + j] / trace.nHeads());
        }
    }
    return m;
}

Matrix scoreMatrix(const core::AttentionTrace& trace, int layer, int head, bool masked) {
    if (!trace.hasScores() || head < 0) return {};
    const int T = trace.seqLen();
    Matrix m(T, T);
    const float* s = trace.rawScores(layer, head);
    for (int i = 0; i < T; ++i) {
        for (int j = 0; j < T; ++j) {
            const float v = masked ? trace.maskedScore(layer, head, i, j) : s[static_cast<std::size_t>(i) * T + j];
            m.at(i, j) = std::isfinite(v) ? v : std::numeric_limits<float>::quiet_NaN();
        }
    }
    return m;
}

Matrix selectTokens(const Matrix& m, const std::vector<int>& keep, bool renormaliseRows) {
    const int n = static_cast<int>(keep.size());
    Matrix out(n, n);
    for (int i = 0; i < n; ++i) {
        double sum = 0;
        for (int j = 0; j < n; ++j) {
            const float v = m.at(keep[i], keep[j]);
            out.at(i, j) = v;
            if (std::isfinite(v)) sum += v;
        }
        if (renormaliseRows && sum > 0) {
            for (int j = 0; j < n; ++j) out.at(i, j) = static_cast<float>(out.at(i, j) / sum);
        }
    }
    return out;
}

Matrix subtract(const Matrix& a, const Matrix& b) {
    assert(a.rows() == b.rows() && a.cols() == b.cols());
    Matrix out(a.rows(), a.cols());
    for (int i = 0; i < a.rows(); ++i) {
        for (int j = 0; j < a.cols(); ++j) out.at(i, j) = a.at(i, j) - b.at(i, j);
    }
    return out;
}

float maxFinite(const float* values, std::size_t count) {
    float best = -std::numeric_limits<float>::infinity();
    for (std::size_t k = 0; k < count; ++k) {
        if (std::isfinite(values[k])) best = std::max(best, values[k]);
    }
    return std::isfinite(best) ? best : 0.0f;
}

float maxFinite(const Matrix& m) { return maxFinite(m.values().data(), m.values().size()); }

float minFinite(const Matrix& m) {
    float best = std::numeric_limits<float>::infinity();
    for (float v : m.values()) {
        if (std::isfinite(v)) best = std::min(best, v);
    }
    return std::isfinite(best) ? best : 0.0f;
}

float maxAbsFinite(const Matrix& m) {
    float best = 0.0f;
    for (float v : m.values()) {
        if (std::isfinite(v)) best = std::max(best, std::abs(v));
    }
    return best;
}

}  // namespace attnviz::ui
