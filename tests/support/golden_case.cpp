#include "support/golden_case.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>

namespace attnviz::test {

core::Result<GoldenCase> loadGoldenCase(const std::filesystem::path& file, const std::filesystem::path& goldenRoot,
                                        const std::filesystem::path& modelsRoot) {
    std::ifstream in(file);
    if (!in) return core::makeError(core::ErrorCode::Io, "cannot open " + file.string());
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(in);
    } catch (const std::exception& e) {
        return core::makeError(core::ErrorCode::CorruptFile, file.string() + ": " + e.what());
    }
    GoldenCase c;
    c.name = file.stem().string();
    c.model = j.at("model").get<std::string>();
    const std::string hint = j.at("model_dir_hint").get<std::string>();
    c.modelDir = hint == "stories260K" ? modelsRoot / "stories260K" : goldenRoot / hint;
    c.text = j.at("text").get<std::string>();
    if (!j.at("pair").is_null()) c.pair = j.at("pair").get<std::string>();
    c.mask = j.at("mask").get<std::string>();
    c.inputIds = j.at("input_ids").get<std::vector<std::int32_t>>();
    if (!j.at("token_type_ids").is_null()) c.tokenTypeIds = j.at("token_type_ids").get<std::vector<std::int32_t>>();
    c.tokens = j.at("tokens").get<std::vector<std::string>>();
    if (j.contains("global_attention_mask") && j.at("global_attention_mask").is_array()) {
        std::vector<int> global;
        const auto& flags = j.at("global_attention_mask");
        for (std::size_t i = 0; i < flags.size(); ++i)
            if (flags[i].get<int>() != 0) global.push_back(static_cast<int>(i));
        c.globalTokens = global;
    }
    if (j.contains("checks") && j.at("checks").contains("layer_types")) {
        const auto& types = j.at("checks").at("layer_types");
        const auto& windows = j.at("checks").at("window");
        for (std::size_t l = 0; l < types.size(); ++l) {
            const std::string type = types[l].get<std::string>();
            c.layerKinds.push_back(type == "global" ? type : type + ":" + std::to_string(windows[l].get<int>()));
        }
    }
    c.nLayers = j.at("n_layers").get<int>();
    c.nHeads = j.at("n_heads").get<int>();
    c.seqLen = j.at("seq_len").get<int>();
    // Each number is the shortest decimal that round-trips the float32 HF produced.
    for (const auto& layer : j.at("attention"))
        for (const auto& head : layer)
            for (const auto& row : head)
                for (const auto& v : row) c.attention.push_back(static_cast<float>(v.get<double>()));
    const char* topKey = j.contains("top5_next") ? "top5_next" : "top5_mask";
    if (j.contains(topKey)) {
        for (const auto& row : j.at(topKey).at("ids"))
            for (const auto& v : row) c.top5Ids.push_back(v.get<std::int32_t>());
        for (const auto& row : j.at(topKey).at("logits"))
            for (const auto& v : row) c.top5Logits.push_back(static_cast<float>(v.get<double>()));
    }
    return c;
}

std::filesystem::path goldenSetRoot(const std::filesystem::path& caseFile) {
    return caseFile.parent_path().parent_path();
}

std::vector<std::filesystem::path> goldenCaseFiles(const std::filesystem::path& goldenRoot) {
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(goldenRoot / "attention")) {
        const auto name = e.path().filename().string();
        if (e.path().extension() == ".json" && name.find("__") != std::string::npos) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace attnviz::test
