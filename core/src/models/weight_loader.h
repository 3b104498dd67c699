// Binds a model's tensors one by one, keeping the first error, so that the
// per-architecture load code reads as a plain list of tensors.
#pragma once

#include "attnviz/core/ops.h"
#include "weight_names.h"

#include <string>

namespace attnviz::core {

class WeightLoader {
public:
    explicit WeightLoader(const TensorBinder& binder) : m_binder(binder) {}

    bool ok() const { return m_error.empty(); }
    const std::string& error() const { return m_error; }
    void fail(std::string message) {
        if (m_error.empty()) m_error = std::move(message);
    }

    const float* tensor(TensorRole role, int layer, std::initializer_list<std::int64_t> shape);
    const float* tensor(TensorRole role, std::initializer_list<std::int64_t> shape) { return tensor(role, -1, shape); }
    // Null when the tensor is absent (and no error).
    const float* optional(TensorRole role, int layer, std::initializer_list<std::int64_t> shape);

    // nn.Linear (out, in) weight, with or without bias.
    Linear linear(TensorRole weight, TensorRole bias, int layer, int in, int out, bool withBias);
    // GPT-2 Conv1D (in, out) weight with bias.
    Linear conv1d(TensorRole weight, TensorRole bias, int layer, int in, int out);

    const TensorBinder& binder() const { return m_binder; }

private:
    const TensorBinder& m_binder;
    std::string m_error;
};

}  // namespace attnviz::core
