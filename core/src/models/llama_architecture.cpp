// Llama, Mistral and Qwen2: pre-RMSNorm rotary decoders with grouped-query
// attention and a SwiGLU MLP (Mistral: a sliding window in every layer;
// Qwen2: q/k/v biases). Names, tensor list, config reader and presets; the
// forward pass is llama_model.cpp.
#include "architectures.h"
#include "config_reader.h"
#include "llama_model.h"

#include <algorithm>

namespace attnviz::core {
namespace {

using nlohmann::json;

using namespace tensor_table;

WeightNameTable makeLlama() {
    WeightNameTable t;
    t.bodyPrefixes = {"model.", ""};
    t.body = {
        {R::TokenEmbedding, "embed_tokens.weight"},
        {R::AttnNormWeight, "layers.{L}.input_layernorm.weight"},
        {R::AttnQWeight, "layers.{L}.self_attn.q_proj.weight"},
        {R::AttnQBias, "layers.{L}.self_attn.q_proj.bias"},
        {R::AttnKWeight, "layers.{L}.self_attn.k_proj.weight"},
        {R::AttnKBias, "layers.{L}.self_attn.k_proj.bias"},
        {R::AttnVWeight, "layers.{L}.self_attn.v_proj.weight"},
        {R::AttnVBias, "layers.{L}.self_attn.v_proj.bias"},
        {R::AttnOutWeight, "layers.{L}.self_attn.o_proj.weight"},
        {R::AttnOutBias, "layers.{L}.self_attn.o_proj.bias"},
        {R::FfnNormWeight, "layers.{L}.post_attention_layernorm.weight"},
        {R::FfnGateWeight, "layers.{L}.mlp.gate_proj.weight"},
        {R::FfnUpWeight, "layers.{L}.mlp.up_proj.weight"},
        {R::FfnDownWeight, "layers.{L}.mlp.down_proj.weight"},
        {R::RotaryInvFreq, "layers.{L}.self_attn.rotary_emb.inv_freq"},
        {R::FinalNormWeight, "norm.weight"},
    };
    t.head = {{R::LmHeadWeight, "lm_head.weight"}};
    return t;
}

void readLlamaFamily(const json& j, ConfigReader& r, ModelConfig& c) {
    readStandardSizes(r, c);
    c.nKvHeads = r.optionalSize("num_key_value_heads", c.nHeads);
    c.maxPositions = r.optionalSize("max_position_embeddings", 2048);
    c.normEps = r.positiveDouble("rms_norm_eps", 1e-6);
    c.ropeTheta = r.positiveDouble("rope_theta", 10000.0);
    c.activation = r.optionalString("hidden_act", "silu");
    c.tieWordEmbeddings = r.optionalBool("tie_word_embeddings", false);
    if (r.has("head_dim")) c.headDim = r.requiredSize("head_dim");
    readRopeScaling(j, r, c);
    r.requireOneOf("hidden_act", c.activation, {"silu"});
    switch (c.architecture) {
    case Architecture::Llama:
        c.qkvBias = c.outputBias = r.optionalBool("attention_bias", false);
        c.mlpBias = r.optionalBool("mlp_bias", false);
        break;
    case Architecture::Mistral:
        if (r.has("sliding_window")) c.slidingWindow = r.requiredSize("sliding_window");
        break;
    case Architecture::Qwen2:
        c.qkvBias = true;
        if (r.optionalBool("use_sliding_window", false)) {
            r.unsupported(
                "use_sliding_window=true is not supported for qwen2 (its window depends on max_window_layers)");
        }
        break;
    default: break;
    }
    if (c.slidingWindow && *c.slidingWindow <= 0) r.fail("sliding_window must be positive");
    // Mistral's window applies to every layer.
    if (c.slidingWindow && *c.slidingWindow > 0) {
        c.layerKinds.assign(static_cast<std::size_t>(std::max(c.nLayers, 0)), LayerKind::causalWindow(*c.slidingWindow));
    }
}

const std::vector<std::pair<std::string, std::string>> kLlamaPresets = {
        {"llama-1b", R"({"model_type":"llama","architectures":["LlamaForCausalLM"],"hidden_size":2048,"num_hidden_layers":16,"num_attention_heads":32,"num_key_value_heads":8,"head_dim":64,"intermediate_size":8192,"hidden_act":"silu","max_position_embeddings":131072,"rms_norm_eps":1e-05,"rope_theta":500000.0,"rope_scaling":{"rope_type":"llama3","factor":32.0,"low_freq_factor":1.0,"high_freq_factor":4.0,"original_max_position_embeddings":8192},"tie_word_embeddings":true,"vocab_size":128256,"bos_token_id":128000,"eos_token_id":128001})"},
        // meta-llama/Llama-2-7b-hf's shape (32000-token vocabulary, untied head).
        {"llama2-7b", R"({"model_type":"llama","architectures":["LlamaForCausalLM"],"hidden_size":4096,"num_hidden_layers":32,"num_attention_heads":32,"num_key_value_heads":32,"intermediate_size":11008,"hidden_act":"silu","max_position_embeddings":4096,"rms_norm_eps":1e-05,"rope_theta":10000.0,"tie_word_embeddings":false,"vocab_size":32000,"bos_token_id":1,"eos_token_id":2})"},
        // meta-llama/Meta-Llama-3-8B's shape.
        {"llama-8b", R"({"model_type":"llama","architectures":["LlamaForCausalLM"],"hidden_size":4096,"num_hidden_layers":32,"num_attention_heads":32,"num_key_value_heads":8,"intermediate_size":14336,"hidden_act":"silu","max_position_embeddings":8192,"rms_norm_eps":1e-05,"rope_theta":500000.0,"tie_word_embeddings":false,"vocab_size":128256,"bos_token_id":128000,"eos_token_id":128001})"},
        {"tiny-llama", R"({"model_type":"llama","hidden_size":8,"num_hidden_layers":2,"num_attention_heads":2,"num_key_value_heads":1,"intermediate_size":16,"hidden_act":"silu","max_position_embeddings":64,"rms_norm_eps":1e-05,"rope_theta":10000.0,"tie_word_embeddings":true,"vocab_size":50})"},
};
const std::vector<std::pair<std::string, std::string>> kMistralPresets = {
        {"tiny-mistral", R"({"model_type":"mistral","hidden_size":8,"num_hidden_layers":2,"num_attention_heads":2,"num_key_value_heads":1,"intermediate_size":16,"hidden_act":"silu","max_position_embeddings":64,"rms_norm_eps":1e-05,"rope_theta":10000.0,"sliding_window":3,"tie_word_embeddings":false,"vocab_size":50})"},
};
const std::vector<std::pair<std::string, std::string>> kQwen2Presets = {
        {"tiny-qwen2", R"({"model_type":"qwen2","hidden_size":8,"num_hidden_layers":2,"num_attention_heads":2,"num_key_value_heads":2,"intermediate_size":16,"hidden_act":"silu","max_position_embeddings":64,"rms_norm_eps":1e-06,"rope_theta":10000.0,"use_sliding_window":false,"tie_word_embeddings":true,"vocab_size":50})"},
};

}  // namespace

const WeightNameTable& llamaNames() {
    static const WeightNameTable t = makeLlama();
    return t;
}

std::vector<TensorSpec> llamaTensors(const ModelConfig& c) {
    const std::int64_t d = c.dModel, v = c.vocabSize;
    const N lmHead = c.tieWordEmbeddings ? N::Ignored : N::Required;
    return joinTensors({
        // role                 scope   shape   need         init
        {{R::TokenEmbedding,    kOnce,  {v, d}, N::Required, I::Weight}},
        llamaAttentionTensors(c, I::Gain, requiredIf(c.qkvBias), requiredIf(c.outputBias)),
        {{R::FfnNormWeight,     kLayer, {d},    N::Required, I::Gain}},
        llamaMlpTensors(c),
        {
            {R::RotaryInvFreq,  kLayer, {},     N::Ignored,  I::None},
            {R::FinalNormWeight, kOnce, {d},    N::Required, I::Gain},
            {R::LmHeadWeight,   kOnce,  {v, d}, lmHead,      I::Weight},
        },
    });
}

std::vector<TensorSpec> llamaAttentionTensors(const ModelConfig& c, TensorInit normInit, TensorNeed qkvBias,
                                              TensorNeed outBias) {
    const std::int64_t d = c.dModel;
    const std::int64_t q = static_cast<std::int64_t>(c.nHeads) * c.headDim;
    const std::int64_t kv = static_cast<std::int64_t>(c.nKvHeads) * c.headDim;
    return {
        // role                 scope   shape       need         init
        {R::AttnNormWeight,     kLayer, {d},        N::Required, normInit},
        {R::AttnQWeight,        kLayer, {q, d},     N::Required, I::QkWeight},
        {R::AttnKWeight,        kLayer, {kv, d},    N::Required, I::QkWeight},
        {R::AttnVWeight,        kLayer, {kv, d},    N::Required, I::Weight},
        {R::AttnQBias,          kLayer, {q},        qkvBias,     I::Bias},
        {R::AttnKBias,          kLayer, {kv},       qkvBias,     I::Bias},
        {R::AttnVBias,          kLayer, {kv},       qkvBias,     I::Bias},
        {R::AttnOutWeight,      kLayer, {d, q},     N::Required, I::Weight},
        {R::AttnOutBias,        kLayer, {d},        outBias,     I::Bias},
    };
}

std::vector<TensorSpec> llamaMlpTensors(const ModelConfig& c) {
    const std::int64_t d = c.dModel, f = c.dFF;
    return {
        // role                 scope   shape       need         init
        {R::FfnGateWeight,      kLayer, {f, d},     N::Required, I::Weight},
        {R::FfnUpWeight,        kLayer, {f, d},     N::Required, I::Weight},
        {R::FfnDownWeight,      kLayer, {d, f},     N::Required, I::Weight},
    };
}

ArchitectureInfo llamaArchitecture() {
    return {Architecture::Llama, {"llama"}, false, PositionScheme::Rotary, llamaNames, llamaTensors,
            LlamaModel::create, readLlamaFamily, kLlamaPresets};
}

ArchitectureInfo mistralArchitecture() {
    return {Architecture::Mistral, {"mistral"}, false, PositionScheme::Rotary, llamaNames, llamaTensors,
            LlamaModel::create, readLlamaFamily, kMistralPresets};
}

ArchitectureInfo qwen2Architecture() {
    return {Architecture::Qwen2, {"qwen2"}, false, PositionScheme::Rotary, llamaNames, llamaTensors,
            LlamaModel::create, readLlamaFamily, kQwen2Presets};
}

}  // namespace attnviz::core
