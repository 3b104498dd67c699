#include "out_of_memory.h"

#include <cstdio>

namespace attnviz::core {

std::string byteSizeText(std::uint64_t bytes) {
    constexpr std::uint64_t kMiB = 1ull << 20;
    constexpr std::uint64_t kGiB = 1ull << 30;
    if (bytes < kMiB) return std::to_string(bytes) + " bytes";
    char buf[32];
    if (bytes < kGiB) {
        std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / kMiB);
    } else {
        std::snprintf(buf, sizeof buf, "%.1f GiB", static_cast<double>(bytes) / kGiB);
    }
    return buf;
}

Error outOfMemory(std::string_view what, std::optional<std::uint64_t> bytes) {
    std::string message = "not enough memory for " + std::string(what);
    if (bytes) message += " (" + byteSizeText(*bytes) + " asked for)";
    return makeError(ErrorCode::OutOfMemory, std::move(message));
}

}  // namespace attnviz::core
