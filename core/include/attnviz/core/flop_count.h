// A process-wide count of the floating-point operations the matrix products
// of forward passes performed (2 m n k per product: the projections, the
// LM head and every head's Q K^T and P V), for `bench` to turn run times
// into GFLOP/s. Element-wise steps (norms, softmax, activations) are not
// counted, as in the usual accounting of a transformer's cost.
#pragma once

#include <cstdint>

namespace attnviz::core {

void countMatmulFlops(std::uint64_t m, std::uint64_t n, std::uint64_t k);
std::uint64_t matmulFlopsCounted();

}  // namespace attnviz::core
