// Reading a small JSON file (config.json, index files) with a size cap.
#pragma once

#include "attnviz/core/result.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <string_view>

namespace attnviz::core {

inline constexpr std::uintmax_t kMaxJsonFileBytes = 64ull << 20;

// Deeper nesting is refused before parsing: no real config, tokenizer or
// safetensors header comes near it, and code that walks a parsed document
// (copies, dump(), nlohmann's own destructor helpers) must not recurse
// tens of thousands of levels deep.
inline constexpr int kMaxJsonDepth = 512;

// The deepest array/object nesting in `text` (brackets inside strings do not
// count), stopping early once it exceeds `limit`. Iterative and O(size).
int jsonNestingDepth(std::string_view text, int limit = kMaxJsonDepth);

// Parses `text`; `source` names it in messages (already quoted if it is a
// path). Refuses nesting deeper than kMaxJsonDepth with CorruptFile.
Result<nlohmann::json> parseJsonText(std::string_view text, const std::string& source);

Result<nlohmann::json> readJsonFile(const std::filesystem::path& path);

}  // namespace attnviz::core
