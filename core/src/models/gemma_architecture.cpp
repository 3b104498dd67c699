// Gemma (GemmaForCausalLM): a causal rotary decoder like Llama, with
// embeddings scaled by sqrt(hidden_size), RMSNorms whose stored weight w is
// used as (1 + w), a head_dim of its own (not hidden_size / heads) and a
// GeGLU MLP down(act(gate(x)) * up(x)). The forward pass is gemma_model.cpp.
#include "architectures.h"
#include "config_reader.h"
#include "gemma_model.h"

namespace attnviz::core {
namespace {

using namespace tensor_table;

std::vector<TensorSpec> gemmaTensors(const ModelConfig& c) {
    const std::int64_t d = c.dModel, v = c.vocabSize;
    // attention_bias puts a bias on q, k, v and o_proj.
    const N bias = requiredIf(c.qkvBias);
    const N lmHead = c.tieWordEmbeddings ? N::Ignored : N::Required;
    // Llama's rows. Norm weights are stored as w around 0 (gain 1 + w):
    // make-model draws them like biases.
    return joinTensors({
        // role                 scope   shape   need         init
        {{R::TokenEmbedding,    kOnce,  {v, d}, N::Required, I::Weight}},
        llamaAttentionTensors(c, I::Bias, bias, bias),
        {{R::FfnNormWeight,     kLayer, {d},    N::Required, I::Bias}},
        llamaMlpTensors(c),
        {
            {R::RotaryInvFreq,  kLayer, {},     N::Ignored,  I::None},
            {R::FinalNormWeight, kOnce, {d},    N::Required, I::Bias},
            {R::LmHeadWeight,   kOnce,  {v, d}, lmHead,      I::Weight},
        },
    });
}

void readGemmaConfig(const nlohmann::json& j, ConfigReader& r, ModelConfig& c) {
    readGemmaFamilyConfig(r, c, 16);
    // transformers 4.48's GemmaMLP applies ACT2FN[hidden_act] and ignores
    // hidden_activation (the config's docstring says otherwise; the code
    // decides): "gelu" is the exact erf GELU there.
    c.activation = r.optionalString("hidden_act", "gelu_pytorch_tanh");
    r.requireOneOf("hidden_act", c.activation, {"gelu_pytorch_tanh", "gelu_new", "gelu"});
    readRopeScaling(j, r, c);
}

}  // namespace

void readGemmaFamilyConfig(ConfigReader& r, ModelConfig& c, int defaultKvHeads) {
    // Defaults are GemmaConfig's and Gemma2Config's (transformers 4.48).
    readStandardSizes(r, c);
    c.nKvHeads = r.optionalSize("num_key_value_heads", defaultKvHeads);
    c.headDim = r.optionalSize("head_dim", 256);
    c.maxPositions = r.optionalSize("max_position_embeddings", 8192);
    c.normEps = r.positiveDouble("rms_norm_eps", 1e-6);
    c.ropeTheta = r.positiveDouble("rope_theta", 10000.0);
    c.tieWordEmbeddings = r.optionalBool("tie_word_embeddings", true);
    c.qkvBias = c.outputBias = r.optionalBool("attention_bias", false);
}

ArchitectureInfo gemmaArchitecture() {
    ArchitectureInfo a{
        .architecture = Architecture::Gemma,
        .modelTypes = {"gemma"},
        .bidirectional = false,
        .positions = PositionScheme::Rotary,
        .names = llamaNames,  // Llama's names
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
