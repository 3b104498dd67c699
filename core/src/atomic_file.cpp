#include "attnviz/core/atomic_file.h"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <random>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace attnviz::core {
namespace {

std::string reason(int error) { return std::strerror(error); }

// ".NAME.XXXXXX.part" next to the target, created exclusively: an existing
// file or a planted symlink of that name is never opened, only skipped.
int createTemp(const std::filesystem::path& target, std::string& tempPath, int& error) {
    static constexpr char kLetters[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::random_device device;
    std::mt19937_64 random((static_cast<std::uint64_t>(device()) << 32) ^ device() ^
                           static_cast<std::uint64_t>(::getpid()));
    const std::filesystem::path dir = target.parent_path();
    for (int attempt = 0; attempt < 100; ++attempt) {
        std::string name = "." + target.filename().string() + ".";
        for (int i = 0; i < 6; ++i) name += kLetters[random() % (sizeof kLetters - 1)];
        name += ".part";
        tempPath = (dir / name).string();
        // 0666 less the umask, as fopen() would create it.
        const int fd = ::open(tempPath.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd >= 0) return fd;
        error = errno;
        if (error != EEXIST) return -1;
    }
    return -1;
}

}  // namespace

Status writeFileAtomically(const std::filesystem::path& path,
                           const std::function<bool(std::FILE*, std::string& error)>& write,
                           const TempFileHooks& hooks) {
    const std::string target = path.string();
    if (!path.has_filename()) {
        return makeError(ErrorCode::Io, "cannot write '" + target + "': it names a folder, not a file");
    }
    std::string tmp;
    int error = 0;
    const int fd = createTemp(path, tmp, error);
    if (fd < 0) return makeError(ErrorCode::Io, "cannot create '" + tmp + "': " + reason(error));
    const auto finished = [&] {
        if (hooks.finished) hooks.finished();
    };
    if (hooks.created && !hooks.created(tmp)) {
        ::close(fd);
        ::unlink(tmp.c_str());
        return makeError(ErrorCode::Io, "cannot create '" + tmp + "': " + reason(ENAMETOOLONG));
    }
    const auto abandon = [&](const std::string& what, int err) -> Status {
        ::unlink(tmp.c_str());
        finished();
        return makeError(ErrorCode::Io, what + " '" + tmp + "': " + reason(err));
    };
    std::FILE* f = ::fdopen(fd, "wb");
    if (f == nullptr) {
        const int err = errno;
        ::close(fd);
        return abandon("cannot open", err);
    }
    errno = 0;
    std::string message;
    bool ok = false;
    try {
        ok = write(f, message);
    } catch (...) {
        std::fclose(f);
        ::unlink(tmp.c_str());
        finished();
        throw;
    }
    int err = errno;
    if (!ok && !message.empty()) {
        std::fclose(f);
        ::unlink(tmp.c_str());
        finished();
        return makeError(ErrorCode::Io, message);
    }
    if (!ok || std::ferror(f) != 0) {
        std::fclose(f);
        return abandon("cannot write", err != 0 ? err : EIO);
    }
    if (std::fflush(f) != 0 || ::fsync(::fileno(f)) != 0) {
        err = errno;
        std::fclose(f);
        return abandon("cannot write", err);
    }
    if (std::fclose(f) != 0) return abandon("cannot write", errno);
    // rename() replaces the target atomically: a reader, or a concurrent
    // writer of the same path, sees the old file or a complete new one.
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
        err = errno;
        ::unlink(tmp.c_str());
        finished();
        return makeError(ErrorCode::Io, "cannot rename '" + tmp + "' to '" + target + "': " + reason(err));
    }
    finished();
    return {};
}

}  // namespace attnviz::core
