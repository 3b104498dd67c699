// A dense float matrix (row-major, row = query) and the operations the views
// apply to a trace before drawing: pick a head or a layer mean, drop tokens
// and renormalise rows, subtract.
#pragma once

#include "attnviz/core/attention_trace.h"

#include <vector>

namespace attnviz::ui {

class Matrix {
public:
    Matrix() = default;
    Matrix(int rows, int cols, float fill = 0.0f);

    int rows() const { return m_rows; }
    int cols() const { return m_cols; }
    bool empty() const { return m_values.empty(); }
    float at(int row, int col) const { return m_values[index(row, col)]; }
    float& at(int row, int col) { return m_values[index(row, col)]; }
    const std::vector<float>& values() const { return m_values; }

private:
    std::size_t index(int row, int col) const { return static_cast<std::size_t>(row) * m_cols + col; }

    int m_rows = 0;
    int m_cols = 0;
    std::vector<float> m_values;
};

// Probabilities of (layer, head); head < 0 is the mean over the layer's heads.
Matrix attentionMatrix(const core::AttentionTrace& trace, int layer, int head);
// Pre-softmax scores QK^T/sqrt(d) of (layer, head): with `masked`, entries
// the mask hides are NaN (drawn as -inf); empty without scores.
Matrix scoreMatrix(const core::AttentionTrace& trace, int layer, int head, bool masked);

// Keeps rows and columns `keep` (in order). With `renormaliseRows`, each kept
// row is divided by its sum over the kept columns (rows summing to 0 stay 0).
Matrix selectTokens(const Matrix& m, const std::vector<int>& keep, bool renormaliseRows);

// a - b, element-wise (same shape).
Matrix subtract(const Matrix& a, const Matrix& b);

// Largest / smallest finite value and largest |value| (0 for an empty matrix).
float maxFinite(const Matrix& m);
float maxFinite(const float* values, std::size_t count);
float minFinite(const Matrix& m);
float maxAbsFinite(const Matrix& m);

}  // namespace attnviz::ui
