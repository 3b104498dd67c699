// A model folder with one of its two files fuzzed and the other a valid tiny
// preset's. The first byte chooses: bit 0 set = the bytes are
// model.safetensors (the preset's config.json beside it), clear = they are
// config.json (the preset's weights beside it); the other bits pick the
// preset. A model that loads runs a few ids; its attention must be
// probabilities (finite, in [0, 1], rows summing to 1) and its logits finite:
// a NaN must stop the run with an error, never come out as a number.
#include "fuzz_support.h"
#include "tiny_models.h"

#include "attnviz/core/model.h"

#include <cmath>

using namespace attnviz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const auto& models = fuzz::tinyModels();
    const fuzz::TinyModel& preset = models[(data[0] >> 1) % models.size()];
    const bool fuzzWeights = (data[0] & 1) != 0;
    const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);

    const std::filesystem::path dir = fuzz::scratchDir("model");
    fuzz::writeBytes(dir / "config.json", fuzzWeights ? std::string_view(preset.config) : bytes);
    fuzz::writeBytes(dir / "model.safetensors", fuzzWeights ? bytes : std::string_view(preset.safetensors));

    auto model = core::loadModel(dir);
    if (!fuzz::okOrCheckedError(model)) return 0;
    const core::ModelConfig& c = (*model)->config();
    for (const std::string& w : (*model)->loadWarnings()) FUZZ_CHECK(!w.empty(), "an empty warning");

    std::vector<std::int32_t> ids;
    for (int i = 0; i < 5; ++i) ids.push_back((i * 7 + 1) % c.vocabSize);
    core::RunOptions options;
    options.captureScores = true;
    options.computeLogits = true;
    auto trace = (*model)->run(ids, options);
    if (!fuzz::okOrCheckedError(trace)) return 0;

    const int n = static_cast<int>(ids.size());
    FUZZ_CHECK(trace->nLayers() == c.nLayers && trace->nHeads() == c.nHeads && trace->seqLen() == n, preset.preset);
    for (int l = 0; l < trace->nLayers(); ++l) {
        for (int h = 0; h < trace->nHeads(); ++h) {
            for (int q = 0; q < n; ++q) {
                double sum = 0;
                for (int k = 0; k < n; ++k) {
                    const float p = trace->prob(l, h, q, k);
                    FUZZ_CHECK(std::isfinite(p) && p >= 0.0f && p <= 1.0001f,
                               "layer " + std::to_string(l) + " head " + std::to_string(h) + ": " + std::to_string(p));
                    sum += p;
                }
                FUZZ_CHECK(std::abs(sum - 1.0) < 1e-3, "layer " + std::to_string(l) + " row sum " + std::to_string(sum));
            }
        }
    }
    for (float v : trace->logits) FUZZ_CHECK(std::isfinite(v), "a non-finite logit");
    return 0;
}
