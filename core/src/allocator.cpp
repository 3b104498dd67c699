#include "attnviz/core/allocator.h"

#include <cstdlib>  // defines __GLIBC__ on glibc

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace attnviz::core {

void keepFreedMemoryForReuse() {
#if defined(__GLIBC__)
    // Blocks from 32 MB up still come from (and go back to) mmap: the big
    // attention matrices of long texts, the weights. Up to 128 MB free at
    // the top of a heap stays there.
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
#endif
}

}  // namespace attnviz::core
