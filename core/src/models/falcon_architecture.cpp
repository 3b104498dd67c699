// Falcon (the "new decoder architecture" of Falcon-40B/180B): the
// descriptor. Fused query_key_value grouped per kv head, two LayerNorms on
// the same input feeding attention and MLP in parallel, RoPE, tied lm_head.
#include "architectures.h"
#include "config_reader.h"
#include "falcon_model.h"

namespace attnviz::core {
namespace {

using namespace tensor_table;

WeightNameTable makeFalconNames() {
    WeightNameTable t;
    t.bodyPrefixes = {"transformer.", ""};
    t.body = {
        {R::TokenEmbedding, "word_embeddings.weight"},
        {R::AttnNormWeight, "h.{L}.ln_attn.weight"},
        {R::AttnNormBias, "h.{L}.ln_attn.bias"},
        {R::AttnQkvWeight, "h.{L}.self_attention.query_key_value.weight"},
        {R::AttnQkvBias, "h.{L}.self_attention.query_key_value.bias"},
        {R::AttnOutWeight, "h.{L}.self_attention.dense.weight"},
        {R::AttnOutBias, "h.{L}.self_attention.dense.bias"},
        {R::FfnNormWeight, "h.{L}.ln_mlp.weight"},
        {R::FfnNormBias, "h.{L}.ln_mlp.bias"},
        {R::FfnUpWeight, "h.{L}.mlp.dense_h_to_4h.weight"},
        {R::FfnUpBias, "h.{L}.mlp.dense_h_to_4h.bias"},
        {R::FfnDownWeight, "h.{L}.mlp.dense_4h_to_h.weight"},
        {R::FfnDownBias, "h.{L}.mlp.dense_4h_to_h.bias"},
        {R::FinalNormWeight, "ln_f.weight"},
        {R::FinalNormBias, "ln_f.bias"},
    };
    t.head = {{R::LmHeadWeight, "lm_head.weight"}};
    return t;
}

const WeightNameTable& falconNames() {
    static const WeightNameTable t = makeFalconNames();
    return t;
}

std::vector<TensorSpec> falconTensors(const ModelConfig& c) {
    const std::int64_t d = c.dModel, v = c.vocabSize;
    // Per kv group: its query heads, then its key, then its value.
    const std::int64_t qkv = static_cast<std::int64_t>(c.nHeads + 2 * c.nKvHeads) * c.headDim;
    const std::int64_t q = static_cast<std::int64_t>(c.nHeads) * c.headDim;
    const N bias = requiredIf(c.qkvBias);  // config "bias": every linear or none
    const N lmHead = c.tieWordEmbeddings ? N::Ignored : N::Required;
    // GPT-NeoX's layer rows (ln_attn and ln_mlp in its two norms' places).
    return joinTensors({
        // role                 scope   shape   need         init
        {{R::TokenEmbedding,    kOnce,  {v, d}, N::Required, I::Weight}},
        neoxLayerTensors(c, qkv, q, bias, bias),
        {
            {R::FinalNormWeight, kOnce, {d},    N::Required, I::Gain},
            {R::FinalNormBias,  kOnce,  {d},    N::Required, I::Bias},
            {R::LmHeadWeight,   kOnce,  {v, d}, lmHead,      I::Weight},
        },
    });
}

void readFalconConfig(const nlohmann::json& j, ConfigReader& r, ModelConfig& c) {
    c.dModel = r.requiredSize("hidden_size");
    // transformers maps the older names n_layer / n_head onto these.
    c.nLayers = r.has("num_hidden_layers") ? r.requiredSize("num_hidden_layers") : r.requiredSize("n_layer");
    c.nHeads = r.has("num_attention_heads") ? r.requiredSize("num_attention_heads") : r.requiredSize("n_head");
    c.nKvHeads = r.optionalSize("num_kv_heads", c.nHeads);
    c.dFF = r.optionalSize("ffn_hidden_size", 4 * c.dModel);
    c.maxPositions = r.optionalSize("max_position_embeddings", 2048);
    c.normEps = r.positiveDouble("layer_norm_epsilon", 1e-5);
    c.ropeTheta = r.positiveDouble("rope_theta", 10000.0);
    c.activation = r.optionalString("activation", "gelu");
    c.tieWordEmbeddings = r.optionalBool("tie_word_embeddings", true);
    c.qkvBias = c.outputBias = c.mlpBias = r.optionalBool("bias", false);
    readRopeScaling(j, r, c);
    r.requireOneOf("activation", c.activation, {"gelu", "gelu_new", "gelu_pytorch_tanh", "relu", "silu"},
                   "gelu, gelu_new, relu, silu");
    if (r.optionalBool("alibi", false)) {
        r.unsupported("alibi=true is not supported (Falcon-RW's ALiBi positions); only rotary Falcon models run");
    }
    if (!r.optionalBool("new_decoder_architecture", false)) {
        r.unsupported(
            "new_decoder_architecture=false is not supported: the Falcon-7B layout (fused [heads q | 1 k | 1 v] "
            "with multi_query, one input_layernorm) has not been verified against Hugging Face; only the "
            "Falcon-40B/180B layout runs");
    }
    // Two LayerNorms (ln_attn, ln_mlp) unless set to 1 (Falcon2-11B).
    const int norms = r.optionalInt("num_ln_in_parallel_attn", 2);
    if (norms != 2) {
        r.unsupported("num_ln_in_parallel_attn=" + std::to_string(norms) +
                      " is not supported (only 2: ln_attn and ln_mlp); not verified against Hugging Face");
    }
    // Type checks only: the new architecture ignores them (parallel always).
    r.optionalBool("multi_query", true);
    r.optionalBool("parallel_attn", true);
}

}  // namespace

ArchitectureInfo falconArchitecture() {
    return {
        Architecture::Falcon,
        {"falcon"},
        false,
        PositionScheme::Rotary,
        falconNames,
        falconTensors,
        FalconModel::create,
        readFalconConfig,
        {
            // 2 layers, 2 query heads sharing 1 kv head, with biases.
            {"tiny-falcon",
             R"({"model_type":"falcon","architectures":["FalconForCausalLM"],"hidden_size":16,"num_hidden_layers":2,"num_attention_heads":2,"num_kv_heads":1,"ffn_hidden_size":32,"activation":"gelu","alibi":false,"bias":true,"new_decoder_architecture":true,"multi_query":true,"parallel_attn":true,"layer_norm_epsilon":1e-05,"max_position_embeddings":64,"rope_theta":10000.0,"vocab_size":50,"bos_token_id":0,"eos_token_id":0})"},
            // tiiuae/falcon-40b (its config.json as converted to model_type "falcon").
            {"falcon-40b",
             R"({"model_type":"falcon","architectures":["FalconForCausalLM"],"hidden_size":8192,"num_hidden_layers":60,"num_attention_heads":128,"num_kv_heads":8,"alibi":false,"bias":false,"new_decoder_architecture":true,"parallel_attn":true,"layer_norm_epsilon":1e-05,"vocab_size":65024,"bos_token_id":11,"eos_token_id":11})"},
        },
    };
}

}  // namespace attnviz::core
