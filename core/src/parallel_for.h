// A loop over indices on the OpenMP team or on the calling thread alone.
#pragma once

namespace attnviz::core {

// body(i) for every i in [0, n): handed out one at a time to the OpenMP team
// when `parallel`, else in order on the calling thread, outside any parallel
// construct. (An `if (false)` clause would still open a one-thread parallel
// region; OpenBLAS and Eigen see no parallel region there (omp_in_parallel()
// is false) and start nested teams, for which libgomp makes new threads that
// then spin against the pool's: typing into GPT-2 small took 145 ms per
// keystroke on 2 threads, 45 ms with spinning turned off.)
template <typename Body>
void forEachIndex(int n, bool parallel, Body&& body) {
    if (!parallel) {
        for (int i = 0; i < n; ++i) body(i);
        return;
    }
#pragma omp parallel for schedule(dynamic, 1)
    for (int i = 0; i < n; ++i) body(i);
}

}  // namespace attnviz::core
