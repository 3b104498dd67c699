// Attention probabilities of every (layer, head) as (rows, cols) matrices
// whose rows and columns may differ: cross-attention (target rows over
// source columns) and the rows of generation steps.
#pragma once

#include <cstddef>
#include <vector>

namespace attnviz::core {

class AttentionBlock {
public:
    AttentionBlock() = default;
    AttentionBlock(int nLayers, int nHeads, int rows, int cols);  // zeros

    int nLayers() const { return m_nLayers; }
    int nHeads() const { return m_nHeads; }
    int rows() const { return m_rows; }
    int cols() const { return m_cols; }
    // (rows, cols), row-major.
    const float* probs(int layer, int head) const { return m_probs.data() + offset(layer, head); }
    float* probs(int layer, int head) { return m_probs.data() + offset(layer, head); }
    float prob(int layer, int head, int row, int col) const {
        return probs(layer, head)[static_cast<std::size_t>(row) * m_cols + col];
    }
    float* data() { return m_probs.data(); }

private:
    std::size_t offset(int layer, int head) const {
        return (static_cast<std::size_t>(layer) * m_nHeads + head) * m_rows * m_cols;
    }
    int m_nLayers = 0;
    int m_nHeads = 0;
    int m_rows = 0;
    int m_cols = 0;
    std::vector<float> m_probs;  // (nLayers, nHeads, rows, cols)
};

}  // namespace attnviz::core
