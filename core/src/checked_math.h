// Overflow-checked arithmetic for sizes and offsets read from files.
#pragma once

#include <cstdint>
#include <optional>

namespace attnviz::core {

inline std::optional<std::uint64_t> checkedMul(std::uint64_t a, std::uint64_t b) {
    std::uint64_t r;
    if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
    return r;
}

}  // namespace attnviz::core
