// config.json of arbitrary bytes, read for whichever architecture it names:
// either a clear error or a config whose sizes a model can be built from.
#include "fuzz_support.h"

#include "attnviz/core/model_config.h"

#include <cmath>

using namespace attnviz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto config = core::ModelConfig::fromJson(text, "config.json");
    if (!fuzz::okOrCheckedError(config)) return 0;
    const core::ModelConfig& c = *config;
    const std::string what = c.modelType;
    FUZZ_CHECK(c.nLayers > 0 && c.nLayers <= 1024, what);
    FUZZ_CHECK(c.nHeads > 0 && c.nHeads <= 1024, what);
    FUZZ_CHECK(c.nKvHeads > 0 && c.nHeads % c.nKvHeads == 0, what);
    FUZZ_CHECK(c.headDim > 0 && c.headDim <= 4096, what);
    FUZZ_CHECK(c.dModel > 0 && c.dFF > 0 && c.vocabSize > 0 && c.maxPositions > 0, what);
    FUZZ_CHECK(c.layerKinds.empty() || static_cast<int>(c.layerKinds.size()) == c.nLayers, what);
    FUZZ_CHECK(static_cast<int>(c.allLayerKinds().size()) == c.nLayers, what);
    for (int l = 0; l < c.nLayers; ++l) (void)c.layerKind(l);
    FUZZ_CHECK(!c.slidingWindow || *c.slidingWindow > 0, what);
    (void)c.maxSequenceLength();
    (void)c.isEncoder();
    // Every value the forward pass divides by, takes a root or a power of is
    // in its domain (the readers' domain checks).
    const auto positive = [](double v) { return std::isfinite(v) && v > 0; };
    const auto offOrPositive = [&](double v) { return v == 0 || positive(v); };
    FUZZ_CHECK(positive(c.normEps), what + ": normEps");
    FUZZ_CHECK(positive(c.ropeTheta) && positive(c.localRopeTheta), what + ": rope theta");
    FUZZ_CHECK(positive(c.ropeScaling.factor), what + ": rope_scaling.factor");
    FUZZ_CHECK(offOrPositive(c.queryPreAttnScalar), what + ": query_pre_attn_scalar");
    FUZZ_CHECK(offOrPositive(c.attnLogitSoftcap) && offOrPositive(c.finalLogitSoftcap), what + ": soft-caps");
    return 0;
}
