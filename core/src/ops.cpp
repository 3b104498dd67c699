#include "attnviz/core/ops.h"

#include "attnviz/core/aligned_buffer.h"
#include "attnviz/core/flop_count.h"
#include "exact_rows_gemm.h"

#include <cblas.h>
#include <unsupported/Eigen/SpecialFunctions>

#include <algorithm>
#include <cmath>
#include <limits>

namespace attnviz::core {

namespace {

thread_local bool t_rowBlocks = false;  // a RowBlockedLinear is active
thread_local int t_firstRow = 0;        // its first row

// y (rows, out) = x (rows, in) through `layer` without the bias, each row's
// result independent of the others (exact_rows_gemm.h).
void multiplyExact(const float* x, int rows, const Linear& layer, float* y) {
    if (layer.inOutLayout) exactRowsTimesKN(x, rows, layer.in, layer.weight, layer.out, y);
    else exactRowsTimesNK(x, rows, layer.in, layer.weight, layer.out, y);
}

// The same product, fastest: W (in, out) through the exact kernel below
// kExactRowsEnd rows (it reads W as stored, where sgemm packs all of W on
// every call: 1.3-1.5x faster at 16 rows, level at 128), W (out, in) from
// kSmallRowsMax rows on, and every W from kExactRowsEnd rows on, in sgemm.
void multiply(const float* x, int rows, const Linear& layer, float* y) {
    // y = x W^T (Linear) or y = x W (Conv1D), both straight from the stored layout.
    if (rows <= kSmallRowsMax || (layer.inOutLayout && rows < kExactRowsEnd)) {
        multiplyExact(x, rows, layer, y);
        return;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, layer.inOutLayout ? CblasNoTrans : CblasTrans, rows, layer.out, layer.in,
                1.0f, x, layer.in, layer.weight, layer.inOutLayout ? layer.out : layer.in, 0.0f, y, layer.out);
}

}  // namespace

namespace {

int rowBlockSize(int row) { return row < kExactRowsEnd ? 1 : 256; }

}  // namespace

int rowBlockEnd(int row) { return (row / rowBlockSize(row) + 1) * rowBlockSize(row); }

int rowBlockStart(int row) { return row / rowBlockSize(row) * rowBlockSize(row); }

RowBlockedLinear::RowBlockedLinear(int firstRow) : m_previous(t_rowBlocks), m_previousFirst(t_firstRow) {
    t_rowBlocks = true;
    t_firstRow = firstRow;
}
RowBlockedLinear::~RowBlockedLinear() {
    t_rowBlocks = m_previous;
    t_firstRow = m_previousFirst;
}

bool RowBlockedLinear::active() { return t_rowBlocks; }
int RowBlockedLinear::currentFirstRow() { return t_firstRow; }

void linear(const RowMatrix& x, const Linear& layer, RowMatrix& y) {
    const int rows = static_cast<int>(x.rows());
    y.resize(rows, layer.out);
    if (rows == 0) return;
    if (!t_rowBlocks) {
        multiply(x.data(), rows, layer, y.data());
    } else {
        // The rows below kExactRowsEnd in one call of the exact kernel, then
        // whole blocks of the grid, row 0 of x being row t_firstRow.
        int r = 0;
        if (t_firstRow < kExactRowsEnd) {
            r = std::min(rows, kExactRowsEnd - t_firstRow);
            multiplyExact(x.data(), r, layer, y.data());
        }
        while (r < rows) {
            const int n = std::min(rowBlockEnd(t_firstRow + r) - t_firstRow, rows) - r;
            multiply(x.data() + static_cast<std::ptrdiff_t>(r) * layer.in, n, layer,
                     y.data() + static_cast<std::ptrdiff_t>(r) * layer.out);
            r += n;
        }
    }
    countMatmulFlops(rows, layer.out, layer.in);
    if (layer.bias != nullptr) {
        y.rowwise() += Eigen::Map<const Eigen::RowVectorXf>(layer.bias, layer.out);
    }
}

void layerNorm(RowMatrix& x, const float* gain, const float* bias, float eps) {
    const Eigen::Index n = x.cols();
    const Eigen::Map<const Eigen::RowVectorXf> g(gain, n);
    const Eigen::Map<const Eigen::RowVectorXf> b(bias, n);
    const float invN = 1.0f / static_cast<float>(n);
    // Vectorised float reductions, as torch does; a row's address (and so the
    // summation order) depends only on its index and the width.
    for (Eigen::Index r = 0; r < x.rows(); ++r) {
        auto row = x.row(r).array();
        const float mean = row.sum() * invN;
        const float var = (row - mean).square().sum() * invN;  // biased, as torch.nn.LayerNorm
        const float inv = 1.0f / std::sqrt(var + eps);
        row = (row - mean) * inv * g.array() + b.array();
    }
}

void layerNorm(const RowMatrix& x, const float* gain, const float* bias, float eps, RowMatrix& y) {
    y = x;
    layerNorm(y, gain, bias, eps);
}

void rmsNorm(const RowMatrix& x, const float* gain, float eps, RowMatrix& y) {
    const Eigen::Index n = x.cols();
    const Eigen::Map<const Eigen::RowVectorXf> g(gain, n);
    y.resize(x.rows(), n);
    const float invN = 1.0f / static_cast<float>(n);
    for (Eigen::Index r = 0; r < x.rows(); ++r) {
        const float inv = 1.0f / std::sqrt(x.row(r).squaredNorm() * invN + eps);
        // Hugging Face order: (x * rsqrt(var + eps)) then * gain.
        y.row(r) = (x.row(r) * inv).cwiseProduct(g);
    }
}

Activation activationFromName(std::string_view name) {
    if (name == "gelu_new" || name == "gelu_pytorch_tanh") return Activation::GeluTanh;
    if (name == "relu") return Activation::Relu;
    if (name == "silu" || name == "swish") return Activation::Silu;
    return Activation::GeluErf;
}

void applyActivation(RowMatrix& x, Activation act) {
    const Eigen::Index rows = x.rows();
    // As in the attention kernel: one thread for small inputs, dynamic chunks
    // so a delayed thread does not hold up the rest.
    const bool parallel = x.size() >= (1 << 16);
#pragma omp parallel for schedule(dynamic, 8) if (parallel)
    for (Eigen::Index r = 0; r < rows; ++r) {
        auto a = x.row(r).array();
        switch (act) {
        case Activation::GeluErf:
            a = 0.5f * a * (1.0f + (a * static_cast<float>(M_SQRT1_2)).erf());
            break;
        case Activation::GeluTanh: {
            const float c = static_cast<float>(std::sqrt(2.0 / M_PI));
            a = 0.5f * a * (1.0f + (c * (a + 0.044715f * a.cube())).tanh());
            break;
        }
        case Activation::Relu: a = a.max(0.0f); break;
        case Activation::Silu: a = a / (1.0f + (-a).exp()); break;
        }
    }
}

namespace {

// Sum with a fixed lane layout counted from the first element, so the result
// does not depend on the address of `v` (Eigen's sum() peels to alignment).
float laneSum(const float* v, int n) {
    constexpr int kLanes = 16;
    float lanes[kLanes] = {};
    int j = 0;
    for (; j + kLanes <= n; j += kLanes) {
        for (int k = 0; k < kLanes; ++k) lanes[k] += v[j + k];
    }
    for (int k = 0; j < n; ++j, ++k) lanes[k] += v[j];
    for (int width = kLanes / 2; width > 0; width /= 2) {
        for (int k = 0; k < width; ++k) lanes[k] += lanes[k + width];
    }
    return lanes[0];
}

}  // namespace

void softmaxRange(float* row, int length, int begin, int end) {
    // The maximum is exact in any order, so Eigen's vectorised maxCoeff gives
    // the same bits as a scalar loop (rows with NaN never get here: the
    // kernel reports non-finite scores and the run stops).
    const float maxValue = end > begin ? Eigen::Map<const Eigen::ArrayXf>(row + begin, end - begin).maxCoeff()
                                       : -std::numeric_limits<float>::infinity();
    // exp() runs in an aligned scratch buffer: on a row at an arbitrary address
    // Eigen would compute the unaligned head with scalar exp and the rest with
    // its vector exp, and the bits would depend on where the row lies.
    const int n = end - begin;
    thread_local AlignedVector<float> scratch;
    if (static_cast<int>(scratch.size()) < n) scratch.resize(static_cast<std::size_t>(n));
    Eigen::Map<Eigen::ArrayXf, Eigen::Aligned64> e(scratch.data(), n);
    e = (Eigen::Map<const Eigen::ArrayXf>(row + begin, n) - maxValue).exp();
    e *= 1.0f / laneSum(scratch.data(), n);
    std::copy(scratch.data(), scratch.data() + n, row + begin);
    for (int j = 0; j < begin; ++j) row[j] = 0.0f;
    for (int j = end; j < length; ++j) row[j] = 0.0f;
}

void softmaxVisible(float* row, int length, const unsigned char* visible) {
    float maxValue = -std::numeric_limits<float>::infinity();
    for (int j = 0; j < length; ++j)
        if (visible[j]) maxValue = std::max(maxValue, row[j]);
    double sum = 0.0;
    for (int j = 0; j < length; ++j) {
        row[j] = visible[j] ? std::exp(row[j] - maxValue) : 0.0f;
        sum += row[j];
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (int j = 0; j < length; ++j) row[j] *= inv;
}

std::vector<float> ropeInverseFrequencies(int headDim, double theta, const RopeScalingParams& scaling) {
    // Computed in float32 exactly as Hugging Face does, so angles round the same way.
    const int half = headDim / 2;
    std::vector<float> inv(half);
    for (int i = 0; i < half; ++i) {
        const float exponent = static_cast<float>(2 * i) / static_cast<float>(headDim);
        inv[i] = 1.0f / static_cast<float>(std::pow(theta, static_cast<double>(exponent)));
    }
    if (scaling.kind == RopeScalingParams::Kind::Linear) {
        for (float& f : inv) f /= scaling.factor;
    } else if (scaling.kind == RopeScalingParams::Kind::Llama3) {
        const float lowWavelen = scaling.originalMaxPositions / scaling.lowFreqFactor;
        const float highWavelen = scaling.originalMaxPositions / scaling.highFreqFactor;
        for (float& f : inv) {
            const float wavelen = static_cast<float>(2.0 * M_PI) / f;
            if (wavelen > lowWavelen) {
                f = f / scaling.factor;
            } else if (!(wavelen < highWavelen)) {
                const float smooth = (scaling.originalMaxPositions / wavelen - scaling.lowFreqFactor) /
                                     (scaling.highFreqFactor - scaling.lowFreqFactor);
                f = (1.0f - smooth) * f / scaling.factor + smooth * f;
            }
        }
    }
    return inv;
}

RopeTable makeRopeTable(int seqLen, int headDim, double theta, const RopeScalingParams& scaling) {
    const std::vector<float> inv = ropeInverseFrequencies(headDim, theta, scaling);
    const int half = headDim / 2;
    RopeTable t{RowMatrix(seqLen, headDim), RowMatrix(seqLen, headDim)};
    for (int p = 0; p < seqLen; ++p) {
        for (int i = 0; i < half; ++i) {
            const float angle = static_cast<float>(p) * inv[i];  // float32 product, as in HF
            const float c = static_cast<float>(std::cos(static_cast<double>(angle)));
            const float s = static_cast<float>(std::sin(static_cast<double>(angle)));
            t.cos(p, i) = t.cos(p, i + half) = c;
            t.sin(p, i) = t.sin(p, i + half) = s;
        }
    }
    return t;
}

void applyRope(RowMatrix& x, int nHeads, int headDim, const RopeTable& table) {
    const int half = headDim / 2;
    for (Eigen::Index p = 0; p < x.rows(); ++p) {
        for (int h = 0; h < nHeads; ++h) {
            float* v = x.data() + p * x.cols() + h * headDim;
            const float* c = table.cos.data() + p * headDim;
            const float* s = table.sin.data() + p * headDim;
            // x * cos + rotate_half(x) * sin, rotate_half(x) = (-x2, x1)
            for (int i = 0; i < half; ++i) {
                const float a = v[i];
                const float b = v[i + half];
                v[i] = a * c[i] - b * s[i];
                v[i + half] = b * c[i + half] + a * s[i + half];
            }
        }
    }
}

void applyPartialRope(RowMatrix& x, int nHeads, int headDim, int rotaryDims, const RopeTable& table) {
    const int half = rotaryDims / 2;
    for (Eigen::Index p = 0; p < x.rows(); ++p) {
        const float* c = table.cos.data() + p * rotaryDims;
        const float* s = table.sin.data() + p * rotaryDims;
        for (int h = 0; h < nHeads; ++h) {
            float* v = x.data() + p * x.cols() + h * headDim;
            for (int i = 0; i < half; ++i) {
                const float a = v[i];
                const float b = v[i + half];
                v[i] = a * c[i] - b * s[i];
                v[i + half] = b * c[i + half] + a * s[i + half];
            }
        }
    }
}

}  // namespace attnviz::core
