#include "attnviz/core/aligned_buffer.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace attnviz::core {

void adviseHugePages(void* p, std::size_t bytes) {
#if defined(MADV_HUGEPAGE)
    // Only whole pages inside the buffer; the advice is a hint, so a refusal
    // (THP disabled, old kernel) changes speed, never results.
    constexpr std::size_t kPage = 4096;
    const std::size_t whole = bytes & ~(kPage - 1);
    if (whole > 0) (void)::madvise(p, whole, MADV_HUGEPAGE);
#else
    (void)p;
    (void)bytes;
#endif
}

}  // namespace attnviz::core
