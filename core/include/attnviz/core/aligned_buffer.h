// std::vector allocators with 64-byte alignment. Vectorised reductions
// (softmax sums, norms) split their work by the address of the data; buffers
// at a fixed alignment make every run of the same input sum in the same order,
// so a run is bit-for-bit reproducible.
#pragma once

#include <cstddef>
#include <new>
#include <utility>
#include <vector>

namespace attnviz::core {

template <class T>
struct AlignedAllocator {
    using value_type = T;
    static constexpr std::size_t kAlignment = 64;

    AlignedAllocator() = default;
    template <class U>
    AlignedAllocator(const AlignedAllocator<U>&) {}

    T* allocate(std::size_t n) {
        return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{kAlignment}));
    }
    void deallocate(T* p, std::size_t) { ::operator delete(p, std::align_val_t{kAlignment}); }

    template <class U>
    bool operator==(const AlignedAllocator<U>&) const { return true; }
};

template <class T>
using AlignedVector = std::vector<T, AlignedAllocator<T>>;

// Asks the kernel to back [p, p + bytes) with transparent huge pages (Linux;
// a no-op elsewhere or when the advice is refused). p must be page-aligned.
void adviseHugePages(void* p, std::size_t bytes);

// Buffers of OverwriteAllocator::kHugeBytes or more (2 MiB aligned, huge
// pages advised). A released buffer is kept for reuse (a few, up to 2 GiB in
// all) and handed to the next request it fits without wasting more than a
// third: a fresh mapping costs the kernel a page fault and a zeroed page per
// touch, about a tenth of a 512-token run, and consecutive runs (typing)
// ask for nearly the same sizes.
void* allocateHugeBuffer(std::size_t bytes);
void releaseHugeBuffer(void* p, std::size_t bytes);

// For buffers that are written in full before anyone reads them (the
// attention trace: up to gigabytes per run). resize() leaves the elements
// default-initialised, i.e. unwritten, instead of zeroing them first, and
// buffers of kHugeBytes or more start on a 2 MiB boundary with huge pages
// advised, so the first touch of a fresh buffer takes one page fault per
// 2 MiB instead of one per 4 KiB.
template <class T>
struct OverwriteAllocator {
    using value_type = T;
    static constexpr std::size_t kAlignment = 64;
    static constexpr std::size_t kHugeAlignment = std::size_t{2} << 20;
    static constexpr std::size_t kHugeBytes = std::size_t{8} << 20;

    OverwriteAllocator() = default;
    template <class U>
    OverwriteAllocator(const OverwriteAllocator<U>&) {}

    T* allocate(std::size_t n) {
        const std::size_t bytes = n * sizeof(T);
        if (bytes < kHugeBytes) return static_cast<T*>(::operator new(bytes, std::align_val_t{kAlignment}));
        return static_cast<T*>(allocateHugeBuffer(bytes));
    }
    void deallocate(T* p, std::size_t n) {
        const std::size_t bytes = n * sizeof(T);
        if (bytes < kHugeBytes) {
            ::operator delete(p, std::align_val_t{kAlignment});
        } else {
            releaseHugeBuffer(p, bytes);
        }
    }

    template <class U>
    void construct(U* p) noexcept {
        ::new (static_cast<void*>(p)) U;  // default-initialise: no write for float
    }
    template <class U, class... Args>
    void construct(U* p, Args&&... args) {
        ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }

    template <class U>
    bool operator==(const OverwriteAllocator<U>&) const { return true; }
};

template <class T>
using OverwriteVector = std::vector<T, OverwriteAllocator<T>>;

}  // namespace attnviz::core
