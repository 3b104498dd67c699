#include "attnviz/core/mapped_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace attnviz::core {

Result<MappedFile> MappedFile::open(const std::filesystem::path& path) {
    // O_NONBLOCK: opening a FIFO (or a device) would otherwise wait for a
    // writer forever; it is refused below as not a regular file. Reads of a
    // regular file ignore the flag.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        return makeError(ErrorCode::Io, "cannot open '" + path.string() + "': " + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        return makeError(ErrorCode::Io, "cannot stat '" + path.string() + "': " + std::strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return makeError(ErrorCode::Io, "'" + path.string() + "' is not a regular file");
    }
    MappedFile file;
    file.m_path = path;
    file.m_size = static_cast<std::size_t>(st.st_size);
    if (file.m_size > 0) {
        void* p = ::mmap(nullptr, file.m_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            const int err = errno;
            ::close(fd);
            // ENOMEM: no room in the address space (or the mapping limit).
            return makeError(err == ENOMEM ? ErrorCode::OutOfMemory : ErrorCode::Io,
                             "cannot map '" + path.string() + "': " + std::strerror(err));
        }
        file.m_data = static_cast<const std::byte*>(p);
    }
    ::close(fd);
    return file;
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : m_data(std::exchange(other.m_data, nullptr)),
      m_size(std::exchange(other.m_size, 0)),
      m_path(std::move(other.m_path)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
    if (this != &other) {
        release();
        m_data = std::exchange(other.m_data, nullptr);
        m_size = std::exchange(other.m_size, 0);
        m_path = std::move(other.m_path);
    }
    return *this;
}

MappedFile::~MappedFile() { release(); }

void MappedFile::release() {
    if (m_data != nullptr) {
        ::munmap(const_cast<std::byte*>(m_data), m_size);
        m_data = nullptr;
        m_size = 0;
    }
}

}  // namespace attnviz::core
