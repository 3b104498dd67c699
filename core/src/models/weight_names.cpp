#include "weight_names.h"

#include "architectures.h"

namespace attnviz::core {

const WeightNameTable& weightNameTable(Architecture architecture) { return architectureInfo(architecture).names(); }

void setBodyNames(WeightNameTable& table, const std::map<TensorRole, std::string>& names) {
    for (const auto& [role, name] : names) table.body[role] = name;
}

std::string tensorName(const WeightNameTable& table, const std::string& prefix, TensorRole role, int layer) {
    std::string n;
    if (auto it = table.body.find(role); it != table.body.end()) {
        n = prefix + it->second;
    } else if (auto h = table.head.find(role); h != table.head.end()) {
        n = h->second;
    } else {
        return {};
    }
    if (const auto pos = n.find("{L}"); pos != std::string::npos) n.replace(pos, 3, std::to_string(layer));
    return n;
}

}  // namespace attnviz::core
