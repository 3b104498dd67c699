#include "output_file.h"

#include "commands.h"

#include <filesystem>

namespace attnviz::cli {

int writeOutput(const std::optional<std::string>& path, const std::function<bool(std::FILE*)>& write) {
    if (!path) {
        if (!write(stdout) || std::fflush(stdout) != 0) return fail("cannot write to standard output");
        return 0;
    }
    const std::string tmp = *path + ".part";
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (f == nullptr) return fail("cannot create '" + *path + "'");
    const bool ok = write(f);
    if (std::fclose(f) != 0 || !ok) {
        std::remove(tmp.c_str());
        return fail("writing '" + *path + "' failed (disk full?)");
    }
    std::error_code ec;
    std::filesystem::rename(tmp, *path, ec);
    if (ec) {
        std::remove(tmp.c_str());
        return fail("cannot move the output into place at '" + *path + "': " + ec.message());
    }
    return 0;
}

}  // namespace attnviz::cli
