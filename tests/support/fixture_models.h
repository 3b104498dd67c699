// Tiny seeded models (2 layers, 2 heads, d_model 8) of every architecture,
// written as real files (config.json + model.safetensors) into a temp dir.
#pragma once

#include "attnviz/core/random_model.h"
#include "attnviz/core/result.h"

#include <QTemporaryDir>

#include <filesystem>
#include <string>
#include <vector>

namespace attnviz::test {

// The tiny presets, one per architecture.
std::vector<std::string> tinyPresets();

// Writes `preset` under `root`/<preset> and returns the folder, or why it
// could not (the caller fails its test with that). Peaky attention (weights
// N(0, 0.3), query/key weights x3) so masks and heads are distinguishable.
core::Result<std::filesystem::path> writeFixture(const QTemporaryDir& root, const std::string& preset,
                                                 std::uint64_t seed = 7, core::DType dtype = core::DType::F32);

// The same for any config.json text, written as `root`/`name`.
core::Result<std::filesystem::path> writeConfigFixture(const QTemporaryDir& root, const std::string& name,
                                                       const std::string& configJson, std::uint64_t seed = 7,
                                                       core::DType dtype = core::DType::F32);

}  // namespace attnviz::test
