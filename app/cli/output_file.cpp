#include "output_file.h"

#include "commands.h"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <random>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace attnviz::cli {
namespace {

// The temporary file being written, for the signal handler: a fixed buffer
// and a flag, so the handler only reads memory and calls unlink().
char g_tempPath[4096];
volatile std::sig_atomic_t g_tempActive = 0;

extern "C" void removeTempAndReraise(int sig) {
    if (g_tempActive != 0) ::unlink(g_tempPath);
    // SA_RESETHAND restored the default action: the signal, blocked while
    // this handler runs, ends the process as it would have without us.
    ::raise(sig);
}

void installSignalHandlers() {
    static bool installed = false;
    if (installed) return;
    installed = true;
    for (const int sig : {SIGINT, SIGTERM, SIGHUP}) {
        struct sigaction old {};
        if (::sigaction(sig, nullptr, &old) != 0) continue;
        // A signal the caller ignores (nohup, a background job) stays ignored.
        if (old.sa_handler == SIG_IGN) continue;
        struct sigaction action {};
        action.sa_handler = removeTempAndReraise;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESETHAND;
        ::sigaction(sig, &action, nullptr);
    }
}

bool registerTemp(const std::string& path) {
    if (path.size() >= sizeof g_tempPath) return false;
    installSignalHandlers();
    g_tempActive = 0;
    std::memcpy(g_tempPath, path.c_str(), path.size() + 1);
    g_tempActive = 1;
    return true;
}

void unregisterTemp() { g_tempActive = 0; }

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

int writeOutput(const std::optional<std::string>& path, const std::function<bool(std::FILE*)>& write) {
    return writeOutput(path, [&](std::FILE* f, std::string&) { return write(f); });
}

int writeOutput(const std::optional<std::string>& path,
                const std::function<bool(std::FILE*, std::string& error)>& write) {
    std::string message;
    if (!path) {
        if (!write(stdout, message)) return fail(message.empty() ? "cannot write to standard output" : message);
        if (std::fflush(stdout) != 0) return fail("cannot write to standard output");
        return 0;
    }
    const std::filesystem::path target(*path);
    if (!target.has_filename()) return fail("cannot write '" + *path + "': it names a folder, not a file");

    std::string tmp;
    int error = 0;
    const int fd = createTemp(target, tmp, error);
    if (fd < 0) return fail("cannot create '" + tmp + "': " + reason(error));
    if (!registerTemp(tmp)) {
        ::close(fd);
        ::unlink(tmp.c_str());
        return fail("cannot create '" + tmp + "': " + reason(ENAMETOOLONG));
    }
    auto abandon = [&](const std::string& what, int err) {
        ::unlink(tmp.c_str());
        unregisterTemp();
        return fail(what + " '" + tmp + "': " + reason(err));
    };

    std::FILE* f = ::fdopen(fd, "wb");
    if (f == nullptr) {
        const int err = errno;
        ::close(fd);
        return abandon("cannot open", err);
    }
    errno = 0;
    bool ok = false;
    try {
        ok = write(f, message);
    } catch (...) {
        std::fclose(f);
        ::unlink(tmp.c_str());
        unregisterTemp();
        throw;
    }
    int err = errno;
    if (!ok && !message.empty()) {
        std::fclose(f);
        ::unlink(tmp.c_str());
        unregisterTemp();
        return fail(message);
    }
    if (!ok || std::ferror(f) != 0) {
        std::fclose(f);
        return err != 0 ? abandon("cannot write", err) : abandon("cannot write", EIO);
    }
    if (std::fflush(f) != 0 || ::fsync(::fileno(f)) != 0) {
        err = errno;
        std::fclose(f);
        return abandon("cannot write", err);
    }
    if (std::fclose(f) != 0) return abandon("cannot write", errno);
    // rename() replaces the target atomically: a reader, or a concurrent
    // run writing the same path, sees the old file or a complete new one.
    if (::rename(tmp.c_str(), path->c_str()) != 0) {
        err = errno;
        ::unlink(tmp.c_str());
        unregisterTemp();
        return fail("cannot rename '" + tmp + "' to '" + *path + "': " + reason(err));
    }
    unregisterTemp();
    return 0;
}

}  // namespace attnviz::cli
