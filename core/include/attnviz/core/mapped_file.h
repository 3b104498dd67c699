// A read-only memory mapping of a whole file (POSIX mmap), moved, never copied.
#pragma once

#include "attnviz/core/result.h"

#include <cstddef>
#include <filesystem>
#include <span>

namespace attnviz::core {

class MappedFile {
public:
    static Result<MappedFile> open(const std::filesystem::path& path);

    MappedFile() = default;
    MappedFile(MappedFile&& other) noexcept;
    MappedFile& operator=(MappedFile&& other) noexcept;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    ~MappedFile();

    std::span<const std::byte> bytes() const { return {m_data, m_size}; }
    std::size_t size() const { return m_size; }
    const std::filesystem::path& path() const { return m_path; }

private:
    void release();

    const std::byte* m_data = nullptr;
    std::size_t m_size = 0;
    std::filesystem::path m_path;
};

}  // namespace attnviz::core
