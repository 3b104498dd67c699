#include "support/fixture_models.h"

namespace attnviz::test {

std::vector<std::string> tinyPresets() {
    // Every architecture's tiny preset (2 layers, 2 heads, 50 ids).
    std::vector<std::string> tiny;
    for (const std::string& p : core::randomModelPresets())
        if (p.rfind("tiny-", 0) == 0) tiny.push_back(p);
    return tiny;
}

core::Result<std::filesystem::path> writeFixture(const QTemporaryDir& root, const std::string& preset,
                                                 std::uint64_t seed, core::DType dtype) {
    auto config = core::randomModelConfig(preset);
    if (!config) return core::prefixError("fixture preset: ", config.takeError());
    return writeConfigFixture(root, preset, *config, seed, dtype);
}

core::Result<std::filesystem::path> writeConfigFixture(const QTemporaryDir& root, const std::string& name,
                                                       const std::string& configJson, std::uint64_t seed,
                                                       core::DType dtype) {
    if (!root.isValid()) return core::makeError(core::ErrorCode::Io, "fixture " + name + ": no temporary folder");
    const std::filesystem::path dir = std::filesystem::path(root.path().toStdString()) / name;
    core::RandomModelOptions options;
    options.seed = seed;
    options.dtype = dtype;
    options.weightStd = 0.3f;
    options.qkScale = 3.0f;
    if (core::Status s = core::writeRandomModel(configJson, dir, options); !s) {
        return core::prefixError("fixture " + name + ": ", s.takeError());
    }
    return dir;
}

}  // namespace attnviz::test
