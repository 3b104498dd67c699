// "[2, 8]": a tensor shape as error messages write it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace attnviz::core {

inline std::string shapeText(const std::vector<std::int64_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

}  // namespace attnviz::core
