#include "support/fixture_models.h"

#include <QtTest>

namespace attnviz::test {

std::vector<std::string> tinyPresets() {
    return {"tiny-bert", "tiny-roberta", "tiny-distilbert", "tiny-gpt2", "tiny-llama", "tiny-mistral", "tiny-qwen2"};
}

std::filesystem::path writeFixture(const QTemporaryDir& root, const std::string& preset, std::uint64_t seed,
                                   core::DType dtype) {
    const std::filesystem::path dir = std::filesystem::path(root.path().toStdString()) / preset;
    auto config = core::randomModelConfig(preset);
    if (!config) qFatal("fixture preset: %s", config.error().c_str());
    core::RandomModelOptions options;
    options.seed = seed;
    options.dtype = dtype;
    options.weightStd = 0.3f;
    options.qkScale = 3.0f;
    if (core::Status s = core::writeRandomModel(*config, dir, options); !s) qFatal("fixture: %s", s.error().c_str());
    return dir;
}

}  // namespace attnviz::test
