#include "memory_bandwidth.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace attnviz::cli {

double measureReadBandwidth(int rounds) {
    constexpr std::size_t kWords = std::size_t{32} << 20;  // 256 MiB
    std::vector<std::uint64_t> buffer(kWords, 1);           // written once: every page is backed
    const auto n = static_cast<std::ptrdiff_t>(buffer.size());
    const std::uint64_t* data = buffer.data();
    double best = 0.0;
    volatile std::uint64_t sink = 0;  // keeps the sums from being optimised away
    for (int r = 0; r < rounds; ++r) {
        const auto start = std::chrono::steady_clock::now();
        std::uint64_t total = 0;
        // Integer sums vectorise (their order does not matter), so the loop
        // runs at the speed memory delivers.
#pragma omp parallel for simd reduction(+ : total) schedule(static)
        for (std::ptrdiff_t i = 0; i < n; ++i) total += data[i];
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        sink = sink + total;
        best = std::max(best, static_cast<double>(kWords * sizeof(std::uint64_t)) / seconds / 1e9);
    }
    return best;
}

}  // namespace attnviz::cli
