// A failed allocation as ErrorCode::OutOfMemory: the entry points that
// allocate large buffers (traces, logits, converted weights) catch it here so
// that no exception leaves attnviz_core.
//
//   return guardAllocation("the attention trace", traceBytes, [&] { return runForward(); });
#pragma once

#include "attnviz/core/result.h"

#include <cstdint>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace attnviz::core {

// "512 bytes", "12.0 MiB", "4.0 GiB".
std::string byteSizeText(std::uint64_t bytes);

// "not enough memory for <what> (<size> asked for)"; without a size when it
// is not known.
Error outOfMemory(std::string_view what, std::optional<std::uint64_t> bytes = std::nullopt);

// Runs `work` (returning a Result or a Status); std::bad_alloc and
// std::length_error (a size no vector can hold) become outOfMemory(what, bytes).
template <class Work>
auto guardAllocation(std::string_view what, std::optional<std::uint64_t> bytes, Work&& work) -> decltype(work()) {
    try {
        return work();
    } catch (const std::bad_alloc&) {
        return outOfMemory(what, bytes);
    } catch (const std::length_error&) {
        return outOfMemory(what, bytes);
    }
}

}  // namespace attnviz::core
