#include "tiny_models.h"

#include "fuzz_support.h"

#include "attnviz/core/random_model.h"

#include <algorithm>

namespace attnviz::fuzz {

const std::vector<TinyModel>& tinyModels() {
    static const std::vector<TinyModel> models = [] {
        std::vector<std::string> presets;
        for (const std::string& p : core::randomModelPresets())
            if (p.rfind("tiny-", 0) == 0) presets.push_back(p);
        std::sort(presets.begin(), presets.end());
        std::vector<TinyModel> out;
        for (const std::string& preset : presets) {
            auto config = core::randomModelConfig(preset);
            if (!config) fail("a preset's config", config.error());
            const std::filesystem::path dir = scratchDir("preset-" + preset);
            core::RandomModelOptions options;
            options.seed = 7;
            options.weightStd = 0.3f;
            options.qkScale = 3.0f;
            if (core::Status s = core::writeRandomModel(*config, dir, options); !s) fail("a preset's model", s.error());
            out.push_back({preset, *config, readBytes(dir / "model.safetensors")});
        }
        return out;
    }();
    return models;
}

}  // namespace attnviz::fuzz
