#include "attnviz/core/flop_count.h"

#include <atomic>

namespace attnviz::core {

namespace {
std::atomic<std::uint64_t> g_flops{0};
}

void countMatmulFlops(std::uint64_t m, std::uint64_t n, std::uint64_t k) {
    g_flops.fetch_add(2 * m * n * k, std::memory_order_relaxed);
}

std::uint64_t matmulFlopsCounted() { return g_flops.load(std::memory_order_relaxed); }

}  // namespace attnviz::core
