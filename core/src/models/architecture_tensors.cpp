#include "architecture_tensors.h"

#include "architectures.h"

namespace attnviz::core {

using namespace tensor_table;

std::vector<TensorSpec> presentTensors(std::vector<TensorSpec> specs) {
    std::erase_if(specs, [](const TensorSpec& s) { return s.need == N::Absent; });
    return specs;
}

std::vector<TensorSpec> joinTensors(std::initializer_list<std::vector<TensorSpec>> parts) {
    std::vector<TensorSpec> specs;
    for (const std::vector<TensorSpec>& part : parts) specs.insert(specs.end(), part.begin(), part.end());
    return presentTensors(std::move(specs));
}

std::vector<TensorSpec> architectureTensors(const ModelConfig& c) {
    return architectureInfo(c.architecture).tensors(c);
}

std::vector<TensorSlot> expandTensors(const std::vector<TensorSpec>& specs, int nLayers) {
    std::vector<TensorSlot> slots;
    for (std::size_t i = 0; i < specs.size();) {
        if (specs[i].scope == kOnce) {
            slots.push_back({&specs[i], -1});
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < specs.size() && specs[end].scope == kLayer) ++end;
        for (int l = 0; l < nLayers; ++l) {
            for (std::size_t k = i; k < end; ++k) {
                if (l >= specs[k].fromLayer) slots.push_back({&specs[k], l});
            }
        }
        i = end;
    }
    return slots;
}

}  // namespace attnviz::core
