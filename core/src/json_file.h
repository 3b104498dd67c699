// Reading a small JSON file (config.json, index files) with a size cap.
#pragma once

#include "attnviz/core/result.h"

#include <nlohmann/json.hpp>

#include <filesystem>

namespace attnviz::core {

inline constexpr std::uintmax_t kMaxJsonFileBytes = 64ull << 20;

Result<nlohmann::json> readJsonFile(const std::filesystem::path& path);

}  // namespace attnviz::core
