#include "attnviz/core/random_model.h"

#include "architecture_tensors.h"
#include "architectures.h"

#include "attnviz/core/model_config.h"
#include "attnviz/core/safetensors_writer.h"

#include <fstream>
#include <map>
#include <random>

namespace attnviz::core {
namespace {

// The presets of the first families; later architectures keep theirs in
// their descriptor (ArchitectureInfo::presets).
const std::map<std::string, std::string>& presets() {
    static const std::map<std::string, std::string> p = [] {
        std::map<std::string, std::string> all = {
        {"bert-base", R"({"model_type":"bert","architectures":["BertForMaskedLM"],"hidden_size":768,"num_hidden_layers":12,"num_attention_heads":12,"intermediate_size":3072,"hidden_act":"gelu","max_position_embeddings":512,"type_vocab_size":2,"layer_norm_eps":1e-12,"vocab_size":30522,"pad_token_id":0})"},
        {"gpt2-small", R"({"model_type":"gpt2","architectures":["GPT2LMHeadModel"],"n_embd":768,"n_layer":12,"n_head":12,"n_inner":null,"n_positions":1024,"activation_function":"gelu_new","layer_norm_epsilon":1e-05,"vocab_size":50257,"bos_token_id":50256,"eos_token_id":50256,"tie_word_embeddings":true})"},
        {"llama-1b", R"({"model_type":"llama","architectures":["LlamaForCausalLM"],"hidden_size":2048,"num_hidden_layers":16,"num_attention_heads":32,"num_key_value_heads":8,"head_dim":64,"intermediate_size":8192,"hidden_act":"silu","max_position_embeddings":131072,"rms_norm_eps":1e-05,"rope_theta":500000.0,"rope_scaling":{"rope_type":"llama3","factor":32.0,"low_freq_factor":1.0,"high_freq_factor":4.0,"original_max_position_embeddings":8192},"tie_word_embeddings":true,"vocab_size":128256,"bos_token_id":128000,"eos_token_id":128001})"},
        {"tiny-bert", R"({"model_type":"bert","hidden_size":8,"num_hidden_layers":2,"num_attention_heads":2,"intermediate_size":16,"hidden_act":"gelu","max_position_embeddings":64,"type_vocab_size":2,"layer_norm_eps":1e-12,"vocab_size":50,"pad_token_id":0})"},
        {"tiny-roberta", R"({"model_type":"roberta","hidden_size":8,"num_hidden_layers":2,"num_attention_heads":2,"intermediate_size":16,"hidden_act":"gelu","max_position_embeddings":66,"type_vocab_size":1,"layer_norm_eps":1e-05,"vocab_size":50,"pad_token_id":1})"},
        {"tiny-distilbert", R"({"model_type":"distilbert","dim":8,"n_layers":2,"n_heads":2,"hidden_dim":16,"activation":"gelu","max_position_embeddings":64,"vocab_size":50,"sinusoidal_pos_embds":false})"},
        {"tiny-gpt2", R"({"model_type":"gpt2","n_embd":8,"n_layer":2,"n_head":2,"n_inner":null,"n_positions":64,"activation_function":"gelu_new","layer_norm_epsilon":1e-05,"vocab_size":50})"},
        {"tiny-llama", R"({"model_type":"llama","hidden_size":8,"num_hidden_layers":2,"num_attention_heads":2,"num_key_value_heads":1,"intermediate_size":16,"hidden_act":"silu","max_position_embeddings":64,"rms_norm_eps":1e-05,"rope_theta":10000.0,"tie_word_embeddings":true,"vocab_size":50})"},
        {"tiny-mistral", R"({"model_type":"mistral","hidden_size":8,"num_hidden_layers":2,"num_attention_heads":2,"num_key_value_heads":1,"intermediate_size":16,"hidden_act":"silu","max_position_embeddings":64,"rms_norm_eps":1e-05,"rope_theta":10000.0,"sliding_window":3,"tie_word_embeddings":false,"vocab_size":50})"},
        {"tiny-qwen2", R"({"model_type":"qwen2","hidden_size":8,"num_hidden_layers":2,"num_attention_heads":2,"num_key_value_heads":2,"intermediate_size":16,"hidden_act":"silu","max_position_embeddings":64,"rms_norm_eps":1e-06,"rope_theta":10000.0,"use_sliding_window":false,"tie_word_embeddings":true,"vocab_size":50})"},
        };
        for (const ArchitectureInfo& a : architectures()) {
            for (const auto& [name, json] : a.presets) all.emplace(name, json);
        }
        return all;
    }();
    return p;
}

}  // namespace

std::vector<std::string> randomModelPresets() {
    std::vector<std::string> names;
    for (const auto& [name, json] : presets()) names.push_back(name);
    return names;
}

Result<std::string> randomModelConfig(const std::string& preset) {
    auto it = presets().find(preset);
    if (it == presets().end()) {
        std::string list;
        for (const auto& n : randomModelPresets()) list += (list.empty() ? "" : ", ") + n;
        return makeError(ErrorCode::InvalidInput, "unknown preset '" + preset + "'; available: " + list);
    }
    return it->second;
}

Status writeRandomModel(const std::string& configJson, const std::filesystem::path& dir,
                        const RandomModelOptions& options) {
    auto config = ModelConfig::fromJson(configJson, "the model config");
    if (!config) return config.takeError();
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return makeError(ErrorCode::Io, "cannot create '" + dir.string() + "': " + ec.message());
    {
        std::ofstream out(dir / "config.json");
        out << configJson << "\n";
        if (!out) return makeError(ErrorCode::Io, "cannot write '" + (dir / "config.json").string() + "'");
    }
    // Every tensor of the architecture's list that random models carry, in
    // its order and with the head model's prefix ("bert.", "model.", ...).
    const WeightNameTable& table = weightNameTable(config->architecture);
    const std::vector<TensorSpec> specs = architectureTensors(*config);
    std::vector<SafetensorsWriter::Entry> entries;
    std::vector<TensorInit> inits;
    for (const TensorSlot& slot : expandTensors(specs, config->nLayers)) {
        const TensorSpec& spec = *slot.spec;
        if (spec.init == TensorInit::None || spec.need == TensorNeed::Ignored) continue;
        const std::string name = tensorName(table, table.bodyPrefixes.front(), spec.role, slot.layer);
        entries.push_back({name, options.dtype, spec.shape});
        inits.push_back(spec.init);
    }
    std::mt19937_64 rng(options.seed);
    return SafetensorsWriter::write(dir / "model.safetensors", entries, [&](std::size_t i, std::vector<float>& out) {
        std::normal_distribution<float> normal(0.0f, 1.0f);
        const TensorInit init = inits[i];
        for (float& v : out) {
            const float z = normal(rng);
            switch (init) {
            case TensorInit::Weight:
            case TensorInit::Bias: v = options.weightStd * z; break;
            case TensorInit::QkWeight: v = options.qkScale * options.weightStd * z; break;
            case TensorInit::Gain: v = 1.0f + options.normGainStd * z; break;
            case TensorInit::None: v = 0.0f; break;
            }
        }
    });
}

}  // namespace attnviz::core
