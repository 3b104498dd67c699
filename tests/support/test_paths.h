// Where tests find ../shared (real models, golden references) and the
// project's own test data. ATTNVIZ_MODELS_DIR and ATTNVIZ_GOLDEN_DIR override
// the defaults (<source>/../shared/models and <source>/../shared/golden).
#pragma once

#include <QtTest>

#include <filesystem>
#include <optional>

namespace attnviz::test {

std::optional<std::filesystem::path> modelsDir();
std::optional<std::filesystem::path> goldenDir();
std::filesystem::path sourceDir();
std::filesystem::path testDataDir();  // tests/data

}  // namespace attnviz::test

// Skips the current Qt Test function with a message when the folder is absent.
#define ATTNVIZ_REQUIRE_DIR(var, finder, what)                                                              \
    const auto var##Opt = (finder)();                                                                       \
    if (!var##Opt) QSKIP(what " not found: set ATTNVIZ_MODELS_DIR / ATTNVIZ_GOLDEN_DIR or provide ../shared"); \
    const std::filesystem::path var = *var##Opt
