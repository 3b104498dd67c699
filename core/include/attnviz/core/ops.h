// The numeric building blocks every forward pass shares. Activations are
// row-major (seqLen, features) matrices; weights are raw float pointers into
// the weight store, laid out as Hugging Face stores them.
#pragma once

#include <Eigen/Core>

#include <string_view>
#include <vector>

namespace attnviz::core {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// A dense layer. Hugging Face nn.Linear stores W as (out, in) and computes
// y = x W^T + b; GPT-2's Conv1D stores W as (in, out) and computes y = x W + b.
struct Linear {
    const float* weight = nullptr;
    const float* bias = nullptr;  // (out) or null
    int in = 0;
    int out = 0;
    bool inOutLayout = false;     // true for Conv1D
};

// y (rows, out) = x (rows, in) through `layer`; y is resized.
void linear(const RowMatrix& x, const Linear& layer, RowMatrix& y);
// The fixed grid of row blocks that prefix reuse starts at: every row below
// kExactRowsEnd is a block of its own (an edit recomputes from the row it
// changes; PrefixCache rounds that down to a step that keeps vector
// alignment), then blocks of 256 rows (long inputs make few BLAS calls, each
// packs the whole weight matrix again).
// rowBlockEnd: the first boundary after `row`; rowBlockStart: the last
// boundary at or before it.
int rowBlockEnd(int row);
int rowBlockStart(int row);
inline constexpr int kExactRowsEnd = 256;
// While one lives, linear() on this thread multiplies x, whose row 0 is row
// `firstRow` of the input (a grid boundary), in that grid: the rows below
// kExactRowsEnd in one call of a kernel whose rows do not depend on each
// other (exact_rows_gemm.h), each block from there on in one BLAS call (the
// last one shorter). BLAS kernels round a row differently depending on the
// matrix size (OpenBLAS: 12-row tiles and tail kernels, small-matrix
// kernels, thread splits), so only this makes a row's result independent of
// how many rows precede and follow it, which prefix reuse (PrefixCache)
// needs.
class RowBlockedLinear {
public:
    explicit RowBlockedLinear(int firstRow);
    ~RowBlockedLinear();
    RowBlockedLinear(const RowBlockedLinear&) = delete;
    RowBlockedLinear& operator=(const RowBlockedLinear&) = delete;
    // Whether one lives on this thread, and the row it names.
    static bool active();
    static int currentFirstRow();

private:
    bool m_previous;
    int m_previousFirst;
};

// Row-wise LayerNorm in place: (x - mean) / sqrt(var + eps) * gain + bias.
void layerNorm(RowMatrix& x, const float* gain, const float* bias, float eps);
// The same LayerNorm of x into y (resized); x is unchanged.
void layerNorm(const RowMatrix& x, const float* gain, const float* bias, float eps, RowMatrix& y);
// Row-wise RMSNorm: y = x / sqrt(mean(x^2) + eps) * gain; y is resized.
void rmsNorm(const RowMatrix& x, const float* gain, float eps, RowMatrix& y);

enum class Activation { GeluErf, GeluTanh, Relu, Silu };
Activation activationFromName(std::string_view name);  // "gelu", "gelu_new", "relu", "silu"
void applyActivation(RowMatrix& x, Activation act);

// Softmax of row[begin, end) in place; entries outside the range become
// exactly 0. The row must have at least one visible entry.
void softmaxRange(float* row, int length, int begin, int end);
// Softmax over the entries whose `visible` flag is set (at least one);
// the others become exactly 0.
void softmaxVisible(float* row, int length, const unsigned char* visible);
template <typename Allows>
void softmaxWhere(float* row, int length, Allows allows) {
    thread_local std::vector<unsigned char> visible;
    visible.resize(static_cast<std::size_t>(length));
    for (int j = 0; j < length; ++j) visible[static_cast<std::size_t>(j)] = allows(j) ? 1 : 0;
    softmaxVisible(row, length, visible.data());
}

// Rotary position embedding as Hugging Face applies it (rotate_half layout:
// dimension i pairs with i + headDim/2). cos/sin are (seqLen, headDim).
struct RopeScalingParams {
    enum class Kind { None, Linear, Llama3 } kind = Kind::None;
    float factor = 1.0f;
    float lowFreqFactor = 1.0f;
    float highFreqFactor = 4.0f;
    float originalMaxPositions = 8192.0f;
};
struct RopeTable {
    RowMatrix cos;  // (seqLen, headDim)
    RowMatrix sin;  // (seqLen, headDim)
};
std::vector<float> ropeInverseFrequencies(int headDim, double theta, const RopeScalingParams& scaling);
RopeTable makeRopeTable(int seqLen, int headDim, double theta, const RopeScalingParams& scaling);
// x is (seqLen, nHeads * headDim); every head is rotated in place.
void applyRope(RowMatrix& x, int nHeads, int headDim, const RopeTable& table);
// Partial rotary (GPT-NeoX rotary_pct): only the first rotaryDims dimensions
// of every head are rotated, rotate_half inside them (i pairs with
// i + rotaryDims/2); the remaining headDim - rotaryDims pass through. The
// table is makeRopeTable(seqLen, rotaryDims, ...), so the frequencies are
// theta^(-2i/rotaryDims).
void applyPartialRope(RowMatrix& x, int nHeads, int headDim, int rotaryDims, const RopeTable& table);

}  // namespace attnviz::core
