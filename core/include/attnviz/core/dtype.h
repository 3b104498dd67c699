// Element types of stored tensors and their conversion to float32.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace attnviz::core {

enum class DType { F32, F16, BF16 };

std::optional<DType> parseDType(std::string_view name);
std::string_view dtypeName(DType type);
std::size_t dtypeSize(DType type);

float halfToFloat(std::uint16_t bits);
float bfloat16ToFloat(std::uint16_t bits);

// Converts `count` elements starting at `src` (any alignment) to float32.
void convertToFloat(DType type, const std::byte* src, std::size_t count, float* dst);

}  // namespace attnviz::core
