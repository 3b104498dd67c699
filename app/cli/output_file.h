// Where a command's output goes: standard output, or a file written through a
// temporary next to it and renamed into place, so a failed run never leaves
// half a file. The temporary file (".NAME.XXXXXX.part" in the target's
// folder) gets a fresh random name and is created with O_EXCL|O_NOFOLLOW, so
// two runs writing the same path never share it and a planted symlink is
// never followed; SIGINT, SIGTERM and SIGHUP remove it before the process
// ends. Every failure names the path that failed and the OS's reason.
#pragma once

#include <cstdio>
#include <functional>
#include <optional>
#include <string>

namespace attnviz::cli {

// Returns the exit code; errors are reported through fail().
int writeOutput(const std::optional<std::string>& path, const std::function<bool(std::FILE*)>& write);
// The same for a writer that says why it failed (set `error`, return false):
// its message, rather than the OS's, is the one error line.
int writeOutput(const std::optional<std::string>& path,
                const std::function<bool(std::FILE*, std::string& error)>& write);

}  // namespace attnviz::cli
