#include "support/test_paths.h"

#include <cstdlib>

namespace attnviz::test {
namespace {

std::optional<std::filesystem::path> existing(const char* envName, const char* sub) {
    std::filesystem::path p;
    if (const char* env = std::getenv(envName); env != nullptr && *env != '\0') {
        p = env;
    } else {
        p = std::filesystem::path(ATTNVIZ_DEFAULT_SHARED_DIR) / sub;
    }
    std::error_code ec;
    if (!std::filesystem::is_directory(p, ec)) return std::nullopt;
    return std::filesystem::weakly_canonical(p, ec);
}

}  // namespace

std::optional<std::filesystem::path> modelsDir() { return existing("ATTNVIZ_MODELS_DIR", "models"); }
std::optional<std::filesystem::path> goldenDir() { return existing("ATTNVIZ_GOLDEN_DIR", "golden"); }
std::filesystem::path sourceDir() { return ATTNVIZ_SOURCE_DIR; }
std::filesystem::path testDataDir() { return sourceDir() / "tests" / "data"; }

}  // namespace attnviz::test
