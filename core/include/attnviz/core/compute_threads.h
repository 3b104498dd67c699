// Thread count of the numeric back ends (OpenBLAS and OpenMP) and a line
// describing them for benchmarks.
#pragma once

#include <string>

namespace attnviz::core {

void setComputeThreads(int threads);
std::string computeBackendInfo();

}  // namespace attnviz::core
