// Thread count of the numeric back ends (OpenBLAS and OpenMP) and a line
// describing them for benchmarks.
#pragma once

#include <string>

namespace attnviz::core {

void setComputeThreads(int threads);
std::string computeBackendInfo();
// Which thread pools the GEMMs and the per-head loops run on, and how many
// threads each has: "one OpenMP pool of 2 threads: ...".
std::string computeThreadLayout();

}  // namespace attnviz::core
