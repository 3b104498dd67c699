// Binds an architecture's tensor list (architecture_tensors.h) to a model
// folder's weights: finds the head-model prefix ("bert.", "transformer.",
// "model." or none), checks every shape, fails on a missing required tensor
// naming the file, the tensor and its shape, and lists the file's tensors
// that nothing uses as a warning.
#pragma once

#include "architecture_tensors.h"

#include "attnviz/core/model.h"
#include "attnviz/core/ops.h"
#include "attnviz/core/result.h"
#include "attnviz/core/weight_store.h"

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace attnviz::core {

class BoundTensors {
public:
    // The tensor as float32; null when an optional tensor is absent.
    const float* get(TensorRole role, int layer = -1) const;
    bool has(TensorRole role, int layer = -1) const { return get(role, layer) != nullptr; }
    // nn.Linear: weight (out, in) and its bias when bound; sizes from the list.
    Linear linear(TensorRole weight, TensorRole bias, int layer = -1) const;
    Linear linear(TensorRole weight, int layer) const;  // no bias
    // GPT-2 Conv1D: weight (in, out) and its bias when bound.
    Linear conv1d(TensorRole weight, TensorRole bias, int layer = -1) const;

    // One line each, for the caller to show (e.g. unused tensors).
    const std::vector<std::string>& warnings() const { return m_warnings; }
    // Every bound tensor with its file name, in binding order.
    const std::vector<BoundWeight>& inOrder() const { return m_order; }
    // The store the tensors live in (outlives the model that binds them).
    const WeightStore* store() const { return m_store; }

private:
    friend Result<BoundTensors> bindTensors(WeightStore&, const ModelConfig&, const ProgressFn&,
                                            const std::vector<TensorRole>&);

    std::map<std::pair<TensorRole, int>, const float*> m_tensors;
    std::map<TensorRole, std::vector<std::int64_t>> m_shapes;
    std::set<std::pair<TensorRole, int>> m_transposed;  // held as (in, out)
    std::vector<std::string> m_warnings;
    std::vector<BoundWeight> m_order;
    const WeightStore* m_store = nullptr;
};

// The per-layer nn.Linear weights a family multiplies only whole (through
// BoundTensors::linear and ops.h linear()), so they may be kept transposed.
inline const std::vector<TensorRole>& wholeLinearRoles() {
    static const std::vector<TensorRole> roles{TensorRole::AttnQWeight,   TensorRole::AttnKWeight,
                                               TensorRole::AttnVWeight,   TensorRole::AttnQkvWeight,
                                               TensorRole::AttnOutWeight, TensorRole::FfnGateWeight,
                                               TensorRole::FfnUpWeight,   TensorRole::FfnDownWeight};
    return roles;
}

// Binds architectureTensors(config); progress is called after each layer and
// may cancel (ErrorCode::Cancelled). The per-layer matrices of the roles in
// `transposable` (nn.Linear weights, (out, in)) are kept as (in, out) when
// the store transposes (WeightStore::convertLayersLazily); linear() then
// hands them out with inOutLayout set.
Result<BoundTensors> bindTensors(WeightStore& store, const ModelConfig& config, const ProgressFn& progress,
                                 const std::vector<TensorRole>& transposable = {});

}  // namespace attnviz::core
