#include "attnviz/core/compute_threads.h"

#include <cblas.h>
#include <omp.h>

namespace attnviz::core {

void setComputeThreads(int threads) {
    if (threads < 1) threads = 1;
    openblas_set_num_threads(threads);
    omp_set_num_threads(threads);
}

std::string computeBackendInfo() {
    std::string info = "OpenBLAS ";
    info += openblas_get_config();
    info += ", core ";
    info += openblas_get_corename();
    return info;
}

std::string computeThreadLayout() {
    // openblas_get_parallel(): 0 sequential, 1 its own pthreads, 2 OpenMP.
    const int blasThreads = openblas_get_num_threads();
    const int ompThreads = omp_get_max_threads();
    switch (openblas_get_parallel()) {
    case 2:
        return "one OpenMP pool of " + std::to_string(ompThreads) +
               " threads: GEMMs, attention heads and row loops";
    case 1:
        return "two pools: OpenBLAS pthreads (" + std::to_string(blasThreads) + ") and OpenMP (" +
               std::to_string(ompThreads) + "); they compete for the cores";
    default:
        return "single-threaded GEMMs, OpenMP (" + std::to_string(ompThreads) + ") for heads and row loops";
    }
}

}  // namespace attnviz::core
