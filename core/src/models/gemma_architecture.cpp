// Gemma (GemmaForCausalLM): a causal rotary decoder like Llama, with
// embeddings scaled by sqrt(hidden_size), RMSNorms whose stored weight w is
// used as (1 + w), a head_dim of its own (not hidden_size / heads) and a
// GeGLU MLP down(act(gate(x)) * up(x)). The forward pass is gemma_model.cpp.
#include "architectures.h"
#include "config_reader.h"
#include "gemma_model.h"

namespace attnviz::core {
namespace {

using R = TensorRole;
using N = TensorNeed;
using I = TensorInit;
constexpr TensorScope kOnce = TensorScope::Once;
constexpr TensorScope kLayer = TensorScope::PerLayer;

const WeightNameTable& gemmaNames() {
    static const WeightNameTable t = [] {
        WeightNameTable n;
        n.bodyPrefixes = {"model.", ""};
        n.body = {
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
        n.head = {{R::LmHeadWeight, "lm_head.weight"}};
        return n;
    }();
    return t;
}

std::vector<TensorSpec> gemmaTensors(const ModelConfig& c) {
    const std::int64_t d = c.dModel, f = c.dFF, v = c.vocabSize;
    const std::int64_t q = static_cast<std::int64_t>(c.nHeads) * c.headDim;
    const std::int64_t kv = static_cast<std::int64_t>(c.nKvHeads) * c.headDim;
    // attention_bias puts a bias on q, k, v and o_proj.
    const N bias = c.qkvBias ? N::Required : N::Absent;
    const N lmHead = c.tieWordEmbeddings ? N::Ignored : N::Required;
    // Norm weights are stored as w around 0 (gain 1 + w): make-model draws
    // them like biases.
    std::vector<TensorSpec> specs = {
        // role                 scope   shape       need         init
        {R::TokenEmbedding,     kOnce,  {v, d},     N::Required, I::Weight},
        {R::AttnNormWeight,     kLayer, {d},        N::Required, I::Bias},
        {R::AttnQWeight,        kLayer, {q, d},     N::Required, I::QkWeight},
        {R::AttnKWeight,        kLayer, {kv, d},    N::Required, I::QkWeight},
        {R::AttnVWeight,        kLayer, {kv, d},    N::Required, I::Weight},
        {R::AttnQBias,          kLayer, {q},        bias,        I::Bias},
        {R::AttnKBias,          kLayer, {kv},       bias,        I::Bias},
        {R::AttnVBias,          kLayer, {kv},       bias,        I::Bias},
        {R::AttnOutWeight,      kLayer, {d, q},     N::Required, I::Weight},
        {R::AttnOutBias,        kLayer, {d},        bias,        I::Bias},
        {R::FfnNormWeight,      kLayer, {d},        N::Required, I::Bias},
        {R::FfnGateWeight,      kLayer, {f, d},     N::Required, I::Weight},
        {R::FfnUpWeight,        kLayer, {f, d},     N::Required, I::Weight},
        {R::FfnDownWeight,      kLayer, {d, f},     N::Required, I::Weight},
        {R::RotaryInvFreq,      kLayer, {},         N::Ignored,  I::None},
        {R::FinalNormWeight,    kOnce,  {d},        N::Required, I::Bias},
        {R::LmHeadWeight,       kOnce,  {v, d},     lmHead,      I::Weight},
    };
    std::erase_if(specs, [](const TensorSpec& s) { return s.need == N::Absent; });
    return specs;
}

void readGemmaConfig(const nlohmann::json& j, ConfigReader& r, ModelConfig& c) {
    // Defaults are GemmaConfig's (transformers 4.48).
    c.dModel = r.requiredInt("hidden_size");
    c.nLayers = r.requiredInt("num_hidden_layers");
    c.nHeads = r.requiredInt("num_attention_heads");
    c.nKvHeads = r.optionalInt("num_key_value_heads", 16);
    c.headDim = r.optionalInt("head_dim", 256);
    c.dFF = r.requiredInt("intermediate_size");
    c.maxPositions = r.optionalInt("max_position_embeddings", 8192);
    c.normEps = r.optionalDouble("rms_norm_eps", 1e-6);
    c.ropeTheta = r.optionalDouble("rope_theta", 10000.0);
    c.tieWordEmbeddings = r.optionalBool("tie_word_embeddings", true);
    c.qkvBias = c.outputBias = r.optionalBool("attention_bias", false);
    // transformers 4.48's GemmaMLP applies ACT2FN[hidden_act] and ignores
    // hidden_activation (the config's docstring says otherwise; the code
    // decides): "gelu" is the exact erf GELU there.
    c.activation = r.optionalString("hidden_act", "gelu_pytorch_tanh");
    if (c.activation != "gelu_pytorch_tanh" && c.activation != "gelu_new" && c.activation != "gelu") {
        r.unsupported("hidden_act \"" + c.activation + "\" is not supported (gelu_pytorch_tanh, gelu_new, gelu)");
    }
    readRopeScaling(j, r, c);
}

}  // namespace

ArchitectureInfo gemmaArchitecture() {
    ArchitectureInfo a{
        .architecture = Architecture::Gemma,
        .modelTypes = {"gemma"},
        .bidirectional = false,
        .positions = PositionScheme::Rotary,
        .names = gemmaNames,
        .tensors = gemmaTensors,
        .create = GemmaModel::create,
        .readConfig = readGemmaConfig,
    };
    a.presets = {
        // 2 layers, 2 query heads sharing 1 kv head, head_dim 6 != 8 / 2.
        {"tiny-gemma",
         R"({"model_type":"gemma","architectures":["GemmaForCausalLM"],"hidden_size":8,"num_hidden_layers":2,"num_attention_heads":2,"num_key_value_heads":1,"head_dim":6,"intermediate_size":16,"hidden_act":"gelu_pytorch_tanh","hidden_activation":"gelu_pytorch_tanh","max_position_embeddings":64,"rms_norm_eps":1e-06,"rope_theta":10000.0,"attention_bias":false,"vocab_size":50})"},
        // google/gemma-2b's sizes, theta, eps and token ids; the tanh GELU
        // Gemma is trained with, named in both activation fields.
        {"gemma-2b",
         R"({"model_type":"gemma","architectures":["GemmaForCausalLM"],"hidden_size":2048,"num_hidden_layers":18,"num_attention_heads":8,"num_key_value_heads":1,"head_dim":256,"intermediate_size":16384,"hidden_act":"gelu_pytorch_tanh","hidden_activation":"gelu_pytorch_tanh","max_position_embeddings":8192,"rms_norm_eps":1e-06,"rope_theta":10000.0,"attention_bias":false,"attention_dropout":0.0,"bos_token_id":2,"eos_token_id":1,"pad_token_id":0,"vocab_size":256000})"},
    };
    return a;
}

}  // namespace attnviz::core
