// Writing a file so that a failure never leaves half of it: the content goes
// to a temporary file next to the target (".NAME.XXXXXX.part", a fresh
// random name, created with O_EXCL|O_NOFOLLOW so two writers never share it
// and a planted symlink is never followed), is flushed to disk, and is then
// renamed over the target. The writer streams: nothing is held in memory.
#pragma once

#include "attnviz/core/result.h"

#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>

namespace attnviz::core {

struct TempFileHooks {
    // Told the temporary's path once it exists; false abandons the write
    // (the path is too long to remember, say). The CLI removes it on SIGINT.
    std::function<bool(const std::string& tempPath)> created;
    // Told when the temporary is gone (renamed or removed).
    std::function<void()> finished;
};

// `write` fills the open file; on a failure it returns false and may set
// `error` to the one line to report (else the OS's reason is reported).
// Errors: "cannot create '<temp>': ...", "cannot write '<temp>': ...",
// "cannot rename '<temp>' to '<path>': ...", or the writer's own line.
Status writeFileAtomically(const std::filesystem::path& path,
                           const std::function<bool(std::FILE*, std::string& error)>& write,
                           const TempFileHooks& hooks = {});

}  // namespace attnviz::core
