#include "weight_loader.h"

namespace attnviz::core {

const float* WeightLoader::tensor(TensorRole role, int layer, std::initializer_list<std::int64_t> shape) {
    if (!ok()) return nullptr;
    auto r = m_binder.get(role, layer, shape);
    if (!r) {
        fail(r.error());
        return nullptr;
    }
    return r.value();
}

const float* WeightLoader::optional(TensorRole role, int layer, std::initializer_list<std::int64_t> shape) {
    if (!ok() || !m_binder.has(role, layer)) return nullptr;
    return tensor(role, layer, shape);
}

Linear WeightLoader::linear(TensorRole weight, TensorRole bias, int layer, int in, int out, bool withBias) {
    Linear l;
    l.in = in;
    l.out = out;
    l.weight = tensor(weight, layer, {out, in});
    if (withBias) l.bias = tensor(bias, layer, {out});
    return l;
}

Linear WeightLoader::conv1d(TensorRole weight, TensorRole bias, int layer, int in, int out) {
    Linear l;
    l.in = in;
    l.out = out;
    l.inOutLayout = true;
    l.weight = tensor(weight, layer, {in, out});
    l.bias = tensor(bias, layer, {out});
    return l;
}

}  // namespace attnviz::core
