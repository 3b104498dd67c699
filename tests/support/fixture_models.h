// Tiny seeded models (2 layers, 2 heads, d_model 8) of every architecture,
// written as real files (config.json + model.safetensors) into a temp dir.
#pragma once

#include "attnviz/core/random_model.h"

#include <QTemporaryDir>

#include <filesystem>
#include <string>
#include <vector>

namespace attnviz::test {

// The tiny presets, one per architecture.
std::vector<std::string> tinyPresets();

// Writes `preset` under `root`/<preset> and returns the folder. Peaky
// attention by default (qkScale 8) so masks and heads are distinguishable.
std::filesystem::path writeFixture(const QTemporaryDir& root, const std::string& preset, std::uint64_t seed = 7,
                                   core::DType dtype = core::DType::F32);

}  // namespace attnviz::test
