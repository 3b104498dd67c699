#include "output_file.h"

#include "commands.h"

#include "attnviz/core/atomic_file.h"

#include <csignal>
#include <cstring>

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
    const core::Status written = core::writeFileAtomically(
        *path, write, {[](const std::string& tmp) { return registerTemp(tmp); }, [] { unregisterTemp(); }});
    return written ? 0 : fail(written.error());
}

}  // namespace attnviz::cli
