// The machine's memory read bandwidth as `bench` measures it: the floor
// below which a short input's forward pass cannot go (it streams every
// layer's weights once).
#pragma once

namespace attnviz::cli {

// GB/s reading a buffer far larger than the caches (256 MiB) with the
// current OpenMP thread count, best of `rounds`.
double measureReadBandwidth(int rounds = 5);

}  // namespace attnviz::cli
