// One case of ../shared/golden/attention: a Hugging Face (eager) reference
// attention for a model, an input and a mask mode.
#pragma once

#include "attnviz/core/result.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace attnviz::test {

struct GoldenCase {
    std::string name;        // file stem, e.g. "bert__in1__default"
    std::string model;
    std::filesystem::path modelDir;  // resolved from model_dir_hint
    std::string text;
    std::optional<std::string> pair;
    std::string mask;
    std::vector<std::int32_t> inputIds;
    std::vector<std::int32_t> tokenTypeIds;  // empty when null
    // Longformer: positions with global attention (from global_attention_mask).
    std::optional<std::vector<int>> globalTokens;
    // Models with local layers: "global" / "local:W" per layer, from
    // checks.layer_types and checks.window; empty otherwise.
    std::vector<std::string> layerKinds;
    std::vector<std::string> tokens;
    int nLayers = 0;
    int nHeads = 0;
    int seqLen = 0;
    std::vector<float> attention;  // (nLayers, nHeads, seqLen, seqLen), float32 as HF produced it
    // top5_next / top5_mask: ids and logits, (seqLen, 5) each
    std::vector<std::int32_t> top5Ids;
    std::vector<float> top5Logits;

    float at(int l, int h, int i, int j) const {
        return attention[((static_cast<std::size_t>(l) * nHeads + h) * seqLen + i) * seqLen + j];
    }
};

// Reads a case; `goldenRoot` is the golden folder, `modelsRoot` the models folder.
core::Result<GoldenCase> loadGoldenCase(const std::filesystem::path& file, const std::filesystem::path& goldenRoot,
                                        const std::filesystem::path& modelsRoot);
std::vector<std::filesystem::path> goldenCaseFiles(const std::filesystem::path& goldenRoot);
// The set a case file belongs to: the folder above its attention/ folder.
std::filesystem::path goldenSetRoot(const std::filesystem::path& caseFile);

}  // namespace attnviz::test
