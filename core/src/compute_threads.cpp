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
    info += ", " + std::to_string(openblas_get_num_threads()) + " BLAS threads, " +
            std::to_string(omp_get_max_threads()) + " OpenMP threads";
    return info;
}

}  // namespace attnviz::core
