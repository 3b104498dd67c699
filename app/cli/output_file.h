// Where a command's output goes: standard output, or a file written through a
// temporary next to it and renamed into place, so a failed run never leaves
// half a file.
#pragma once

#include <cstdio>
#include <functional>
#include <optional>
#include <string>

namespace attnviz::cli {

// Returns the exit code; errors are reported through fail().
int writeOutput(const std::optional<std::string>& path, const std::function<bool(std::FILE*)>& write);

}  // namespace attnviz::cli
