#include "attnviz/core/aligned_buffer.h"

#include <algorithm>
#include <mutex>
#include <new>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace attnviz::core {

namespace {

constexpr std::align_val_t kHugeAlign{OverwriteAllocator<float>::kHugeAlignment};
constexpr std::size_t kMaxKept = 4;                         // e.g. probabilities and scores of two runs
constexpr std::size_t kMaxKeptBytes = std::size_t{2} << 30;  // 2 GiB in all

struct Block {
    void* p;
    std::size_t capacity;  // bytes allocated
};

// Released blocks waiting for reuse, and the capacity of every block handed
// out (a reused block may be larger than its request).
struct HugeCache {
    std::mutex mutex;
    std::vector<Block> kept;
    std::vector<Block> live;
    std::size_t keptBytes = 0;
};

HugeCache& hugeCache() {
    static HugeCache* cache = new HugeCache;  // never destroyed: buffers may be freed during exit
    return *cache;
}

}  // namespace

void* allocateHugeBuffer(std::size_t bytes) {
    HugeCache& c = hugeCache();
    {
        std::lock_guard lock(c.mutex);
        // The smallest kept block that fits without wasting more than a third.
        auto best = c.kept.end();
        for (auto it = c.kept.begin(); it != c.kept.end(); ++it) {
            if (it->capacity >= bytes && it->capacity - bytes <= it->capacity / 3 &&
                (best == c.kept.end() || it->capacity < best->capacity)) {
                best = it;
            }
        }
        if (best != c.kept.end()) {
            const Block b = *best;
            c.kept.erase(best);
            c.keptBytes -= b.capacity;
            c.live.push_back(b);
            return b.p;
        }
    }
    void* p = nullptr;
    try {
        p = ::operator new(bytes, kHugeAlign);
    } catch (const std::bad_alloc&) {
        // Give the kept blocks back before reporting that memory ran out.
        std::vector<Block> drop;
        {
            std::lock_guard lock(c.mutex);
            drop.swap(c.kept);
            c.keptBytes = 0;
        }
        for (const Block& b : drop) ::operator delete(b.p, kHugeAlign);
        p = ::operator new(bytes, kHugeAlign);
    }
    adviseHugePages(p, bytes);
    std::lock_guard lock(c.mutex);
    c.live.push_back({p, bytes});
    return p;
}

void releaseHugeBuffer(void* p, std::size_t bytes) {
    HugeCache& c = hugeCache();
    std::vector<Block> drop;
    {
        std::lock_guard lock(c.mutex);
        Block b{p, bytes};
        const auto live = std::find_if(c.live.begin(), c.live.end(), [&](const Block& x) { return x.p == p; });
        if (live != c.live.end()) {
            b = *live;
            c.live.erase(live);
        }
        if (b.capacity <= kMaxKeptBytes) {
            c.kept.push_back(b);
            c.keptBytes += b.capacity;
            // Over the limits: give back the oldest first.
            while (c.kept.size() > kMaxKept || c.keptBytes > kMaxKeptBytes) {
                drop.push_back(c.kept.front());
                c.keptBytes -= c.kept.front().capacity;
                c.kept.erase(c.kept.begin());
            }
        } else {
            drop.push_back(b);
        }
    }
    for (const Block& b : drop) ::operator delete(b.p, kHugeAlign);
}

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
