#include "attnviz/core/random_model.h"

#include "attnviz/core/model_config.h"
#include "attnviz/core/safetensors_writer.h"
#include "weight_names.h"

#include <fstream>
#include <map>
#include <random>

namespace attnviz::core {
namespace {

using R = TensorRole;

enum class Init { Weight, QkWeight, Gain, Bias, Zero };

struct Planned {
    SafetensorsWriter::Entry entry;
    Init init;
};

// Every tensor of an architecture with its shape, in the table's names.
class TensorPlan {
public:
    TensorPlan(const WeightNameTable& table, std::string prefix, DType dtype)
        : m_table(table), m_prefix(std::move(prefix)), m_dtype(dtype) {}

    void add(R role, int layer, std::vector<std::int64_t> shape, Init init) {
        std::string name;
        if (auto it = m_table.body.find(role); it != m_table.body.end()) name = m_prefix + it->second;
        else name = m_table.head.at(role);
        if (auto pos = name.find("{L}"); pos != std::string::npos) name.replace(pos, 3, std::to_string(layer));
        m_items.push_back({{name, m_dtype, std::move(shape)}, init});
    }
    void add(R role, std::vector<std::int64_t> shape, Init init) { add(role, -1, std::move(shape), init); }
    std::vector<Planned>& items() { return m_items; }

private:
    const WeightNameTable& m_table;
    std::string m_prefix;
    DType m_dtype;
    std::vector<Planned> m_items;
};

void planBert(const ModelConfig& c, TensorPlan& p) {
    const std::int64_t d = c.dModel, f = c.dFF;
    p.add(R::TokenEmbedding, {c.vocabSize, d}, Init::Weight);
    p.add(R::PositionEmbedding, {c.maxPositions, d}, Init::Weight);
    if (c.typeVocabSize > 0) p.add(R::TypeEmbedding, {c.typeVocabSize, d}, Init::Weight);
    p.add(R::EmbedNormWeight, {d}, Init::Gain);
    p.add(R::EmbedNormBias, {d}, Init::Bias);
    for (int l = 0; l < c.nLayers; ++l) {
        p.add(R::AttnQWeight, l, {d, d}, Init::QkWeight);
        p.add(R::AttnQBias, l, {d}, Init::Bias);
        p.add(R::AttnKWeight, l, {d, d}, Init::QkWeight);
        p.add(R::AttnKBias, l, {d}, Init::Bias);
        p.add(R::AttnVWeight, l, {d, d}, Init::Weight);
        p.add(R::AttnVBias, l, {d}, Init::Bias);
        p.add(R::AttnOutWeight, l, {d, d}, Init::Weight);
        p.add(R::AttnOutBias, l, {d}, Init::Bias);
        p.add(R::AttnOutNormWeight, l, {d}, Init::Gain);
        p.add(R::AttnOutNormBias, l, {d}, Init::Bias);
        p.add(R::FfnUpWeight, l, {f, d}, Init::Weight);
        p.add(R::FfnUpBias, l, {f}, Init::Bias);
        p.add(R::FfnDownWeight, l, {d, f}, Init::Weight);
        p.add(R::FfnDownBias, l, {d}, Init::Bias);
        p.add(R::FfnOutNormWeight, l, {d}, Init::Gain);
        p.add(R::FfnOutNormBias, l, {d}, Init::Bias);
    }
    p.add(R::MlmTransformWeight, {d, d}, Init::Weight);
    p.add(R::MlmTransformBias, {d}, Init::Bias);
    p.add(R::MlmNormWeight, {d}, Init::Gain);
    p.add(R::MlmNormBias, {d}, Init::Bias);
    p.add(R::LmHeadBias, {c.vocabSize}, Init::Bias);
}

void planGpt2(const ModelConfig& c, TensorPlan& p) {
    const std::int64_t d = c.dModel, f = c.dFF;
    p.add(R::TokenEmbedding, {c.vocabSize, d}, Init::Weight);
    p.add(R::PositionEmbedding, {c.maxPositions, d}, Init::Weight);
    for (int l = 0; l < c.nLayers; ++l) {
        p.add(R::AttnNormWeight, l, {d}, Init::Gain);
        p.add(R::AttnNormBias, l, {d}, Init::Bias);
        p.add(R::AttnQkvWeight, l, {d, 3 * d}, Init::Weight);
        p.add(R::AttnQkvBias, l, {3 * d}, Init::Bias);
        p.add(R::AttnOutWeight, l, {d, d}, Init::Weight);
        p.add(R::AttnOutBias, l, {d}, Init::Bias);
        p.add(R::FfnNormWeight, l, {d}, Init::Gain);
        p.add(R::FfnNormBias, l, {d}, Init::Bias);
        p.add(R::FfnUpWeight, l, {d, f}, Init::Weight);
        p.add(R::FfnUpBias, l, {f}, Init::Bias);
        p.add(R::FfnDownWeight, l, {f, d}, Init::Weight);
        p.add(R::FfnDownBias, l, {d}, Init::Bias);
    }
    p.add(R::FinalNormWeight, {d}, Init::Gain);
    p.add(R::FinalNormBias, {d}, Init::Bias);
}

void planLlama(const ModelConfig& c, TensorPlan& p) {
    const std::int64_t d = c.dModel, f = c.dFF;
    const std::int64_t q = static_cast<std::int64_t>(c.nHeads) * c.headDim;
    const std::int64_t kv = static_cast<std::int64_t>(c.nKvHeads) * c.headDim;
    p.add(R::TokenEmbedding, {c.vocabSize, d}, Init::Weight);
    for (int l = 0; l < c.nLayers; ++l) {
        p.add(R::AttnNormWeight, l, {d}, Init::Gain);
        p.add(R::AttnQWeight, l, {q, d}, Init::QkWeight);
        p.add(R::AttnKWeight, l, {kv, d}, Init::QkWeight);
        p.add(R::AttnVWeight, l, {kv, d}, Init::Weight);
        if (c.qkvBias) {
            p.add(R::AttnQBias, l, {q}, Init::Bias);
            p.add(R::AttnKBias, l, {kv}, Init::Bias);
            p.add(R::AttnVBias, l, {kv}, Init::Bias);
        }
        p.add(R::AttnOutWeight, l, {d, q}, Init::Weight);
        if (c.outputBias) p.add(R::AttnOutBias, l, {d}, Init::Bias);
        p.add(R::FfnNormWeight, l, {d}, Init::Gain);
        p.add(R::FfnGateWeight, l, {f, d}, Init::Weight);
        p.add(R::FfnUpWeight, l, {f, d}, Init::Weight);
        p.add(R::FfnDownWeight, l, {d, f}, Init::Weight);
    }
    p.add(R::FinalNormWeight, {d}, Init::Gain);
    if (!c.tieWordEmbeddings) p.add(R::LmHeadWeight, {c.vocabSize, d}, Init::Weight);
}

const std::map<std::string, std::string>& presets() {
    static const std::map<std::string, std::string> p = {
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
        return makeError("unknown preset '" + preset + "'; available: " + list);
    }
    return it->second;
}

Status writeRandomModel(const std::string& configJson, const std::filesystem::path& dir,
                        const RandomModelOptions& options) {
    auto config = ModelConfig::fromJson(configJson, "the model config");
    if (!config) return config.takeError();
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return makeError("cannot create '" + dir.string() + "': " + ec.message());
    {
        std::ofstream out(dir / "config.json");
        out << configJson << "\n";
        if (!out) return makeError("cannot write '" + (dir / "config.json").string() + "'");
    }
    const WeightNameTable& table = weightNameTable(config->architecture);
    TensorPlan plan(table, table.bodyPrefixes.front(), options.dtype);
    if (config->isEncoder()) planBert(*config, plan);
    else if (config->architecture == Architecture::Gpt2) planGpt2(*config, plan);
    else planLlama(*config, plan);

    std::vector<SafetensorsWriter::Entry> entries;
    for (const auto& item : plan.items()) entries.push_back(item.entry);
    std::mt19937_64 rng(options.seed);
    return SafetensorsWriter::write(dir / "model.safetensors", entries, [&](std::size_t i, std::vector<float>& out) {
        std::normal_distribution<float> normal(0.0f, 1.0f);
        const Init init = plan.items()[i].init;
        for (float& v : out) {
            const float z = normal(rng);
            switch (init) {
            case Init::Weight:
            case Init::Bias: v = options.weightStd * z; break;
            case Init::QkWeight: v = options.qkScale * options.weightStd * z; break;
            case Init::Gain: v = 1.0f + options.normGainStd * z; break;
            case Init::Zero: v = 0.0f; break;
            }
        }
    });
}

}  // namespace attnviz::core
