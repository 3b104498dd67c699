// GPT-NeoX (Pythia, GPT-NeoX-20B): the descriptor. Fused per-head
// query_key_value, rotary on the leading rotary_pct of each head, parallel
// residual, untied embed_out in real checkpoints.
#include "architectures.h"
#include "config_reader.h"
#include "gpt_neox_model.h"

namespace attnviz::core {
namespace {

using namespace tensor_table;

WeightNameTable makeGptNeoXNames() {
    WeightNameTable t;
    t.bodyPrefixes = {"gpt_neox.", ""};
    t.body = {
        {R::TokenEmbedding, "embed_in.weight"},
        {R::AttnNormWeight, "layers.{L}.input_layernorm.weight"},
        {R::AttnNormBias, "layers.{L}.input_layernorm.bias"},
        {R::AttnQkvWeight, "layers.{L}.attention.query_key_value.weight"},
        {R::AttnQkvBias, "layers.{L}.attention.query_key_value.bias"},
        {R::AttnOutWeight, "layers.{L}.attention.dense.weight"},
        {R::AttnOutBias, "layers.{L}.attention.dense.bias"},
        {R::FfnNormWeight, "layers.{L}.post_attention_layernorm.weight"},
        {R::FfnNormBias, "layers.{L}.post_attention_layernorm.bias"},
        {R::FfnUpWeight, "layers.{L}.mlp.dense_h_to_4h.weight"},
        {R::FfnUpBias, "layers.{L}.mlp.dense_h_to_4h.bias"},
        {R::FfnDownWeight, "layers.{L}.mlp.dense_4h_to_h.weight"},
        {R::FfnDownBias, "layers.{L}.mlp.dense_4h_to_h.bias"},
        // Buffers older transformers saved with each layer.
        {R::AttnCausalMask, "layers.{L}.attention.bias"},
        {R::AttnMaskedBias, "layers.{L}.attention.masked_bias"},
        {R::RotaryInvFreq, "layers.{L}.attention.rotary_emb.inv_freq"},
        {R::FinalNormWeight, "final_layer_norm.weight"},
        {R::FinalNormBias, "final_layer_norm.bias"},
    };
    t.head = {{R::LmHeadWeight, "embed_out.weight"}};
    return t;
}

const WeightNameTable& gptNeoXNames() {
    static const WeightNameTable t = makeGptNeoXNames();
    return t;
}

std::vector<TensorSpec> gptNeoXTensors(const ModelConfig& c) {
    const std::int64_t d = c.dModel, v = c.vocabSize;
    const std::int64_t qkv = 3 * static_cast<std::int64_t>(c.nHeads) * c.headDim;  // per head [q k v]
    // Pythia unties embed_out; tied files omit it.
    const N lmHead = c.tieWordEmbeddings ? N::Ignored : N::Required;
    return joinTensors({
        // role                 scope   shape   need         init
        {{R::TokenEmbedding,    kOnce,  {v, d}, N::Required, I::Weight}},
        neoxLayerTensors(c, qkv, d, requiredIf(c.qkvBias), N::Required),
        {
            // Buffers older transformers saved with each layer.
            {R::AttnCausalMask, kLayer, {},     N::Ignored,  I::None},
            {R::AttnMaskedBias, kLayer, {},     N::Ignored,  I::None},
            {R::RotaryInvFreq,  kLayer, {},     N::Ignored,  I::None},
            {R::FinalNormWeight, kOnce, {d},    N::Required, I::Gain},
            {R::FinalNormBias,  kOnce,  {d},    N::Required, I::Bias},
            {R::LmHeadWeight,   kOnce,  {v, d}, lmHead,      I::Weight},
        },
    });
}

// One number under two names (older and newer transformers); both present
// and different is ambiguous across versions, so it is refused.
double eitherDouble(const nlohmann::json& j, ConfigReader& r, const char* oldKey, const char* newKey,
                    const char* nestedKey, double fallback) {
    double value = fallback;
    if (r.has(newKey)) value = r.optionalDouble(newKey, fallback);
    else if (auto p = j.find("rope_parameters"); p != j.end() && p->is_object() && p->contains(nestedKey)) {
        if (!(*p)[nestedKey].is_number()) r.fail(std::string("rope_parameters.") + nestedKey + " must be a number");
        else value = (*p)[nestedKey].get<double>();
    }
    if (r.has(oldKey)) {
        const double old = r.optionalDouble(oldKey, fallback);
        if (r.has(newKey) && old != value) {
            r.unsupported(std::string("\"") + oldKey + "\" and \"" + newKey +
                          "\" disagree; transformers versions read different ones");
        }
        value = old;
    }
    return value;
}

void readGptNeoXConfig(const nlohmann::json& j, ConfigReader& r, ModelConfig& c) {
    readStandardSizes(r, c);
    c.maxPositions = r.optionalSize("max_position_embeddings", 2048);
    c.normEps = r.positiveDouble("layer_norm_eps", 1e-5);
    c.activation = r.optionalString("hidden_act", "gelu");
    c.tieWordEmbeddings = r.optionalBool("tie_word_embeddings", false);
    c.parallelResidual = r.optionalBool("use_parallel_residual", true);
    c.qkvBias = c.outputBias = r.optionalBool("attention_bias", true);
    c.mlpBias = true;
    // gelu_fast is the tanh approximation written with rounded constants.
    if (c.activation == "gelu_fast") c.activation = "gelu_new";
    r.requireOneOf("hidden_act", c.activation, {"gelu", "gelu_new", "gelu_pytorch_tanh", "relu"},
                   "gelu, gelu_new, gelu_fast, relu");
    // Rotary base and fraction: rotary_emb_base / rotary_pct (what
    // transformers 4.48 reads), rope_theta / partial_rotary_factor (what it
    // also writes) or rope_parameters (newer files).
    c.ropeTheta = eitherDouble(j, r, "rotary_emb_base", "rope_theta", "rope_theta", 10000.0);
    r.requirePositive(r.has("rotary_emb_base") ? "rotary_emb_base"
                      : r.has("rope_theta")    ? "rope_theta"
                                               : "rope_parameters.rope_theta",
                      c.ropeTheta);
    const double pct = eitherDouble(j, r, "rotary_pct", "partial_rotary_factor", "partial_rotary_factor", 0.25);
    if (auto p = j.find("rope_parameters"); p != j.end() && p->is_object()) {
        auto type = p->find("rope_type");
        if (type != p->end() && !(type->is_string() && type->get<std::string>() == "default")) {
            r.unsupported("rope_parameters rope_type " + type->dump() + " is not supported (only \"default\")");
        }
    }
    readRopeScaling(j, r, c);
    if (!(pct >= 0.0 && pct <= 1.0)) {
        r.unsupported("rotary_pct " + std::to_string(pct) + " is not between 0 and 1");
    } else if (c.nHeads > 0 && c.dModel % c.nHeads == 0) {
        const int headDim = c.dModel / c.nHeads;
        c.rotaryDims = static_cast<int>(headDim * pct);  // int(head_size * rotary_pct), as transformers
        if (c.rotaryDims % 2 != 0) {
            r.unsupported("rotary_pct " + std::to_string(pct) + " rotates " + std::to_string(c.rotaryDims) + " of " +
                          std::to_string(headDim) + " head dims; only an even count is supported");
        }
    }
}

}  // namespace

std::vector<TensorSpec> neoxLayerTensors(const ModelConfig& c, std::int64_t qkvRows, std::int64_t outCols,
                                         TensorNeed attnBias, TensorNeed mlpBias) {
    const std::int64_t d = c.dModel, f = c.dFF;
    return {
        // role                 scope   shape          need         init
        {R::AttnNormWeight,     kLayer, {d},           N::Required, I::Gain},
        {R::AttnNormBias,       kLayer, {d},           N::Required, I::Bias},
        {R::AttnQkvWeight,      kLayer, {qkvRows, d},  N::Required, I::QkWeight},
        {R::AttnQkvBias,        kLayer, {qkvRows},     attnBias,    I::Bias},
        {R::AttnOutWeight,      kLayer, {d, outCols},  N::Required, I::Weight},
        {R::AttnOutBias,        kLayer, {d},           attnBias,    I::Bias},
        {R::FfnNormWeight,      kLayer, {d},           N::Required, I::Gain},
        {R::FfnNormBias,        kLayer, {d},           N::Required, I::Bias},
        {R::FfnUpWeight,        kLayer, {f, d},        N::Required, I::Weight},
        {R::FfnUpBias,          kLayer, {f},           mlpBias,     I::Bias},
        {R::FfnDownWeight,      kLayer, {d, f},        N::Required, I::Weight},
        {R::FfnDownBias,        kLayer, {d},           mlpBias,     I::Bias},
    };
}

ArchitectureInfo gptNeoXArchitecture() {
    return {
        Architecture::GptNeoX,
        {"gpt_neox"},
        false,
        PositionScheme::Rotary,
        gptNeoXNames,
        gptNeoXTensors,
        GptNeoXModel::create,
        readGptNeoXConfig,
        {
            // 2 layers, 2 heads of 8 dims, rotary on 4 of them; untied like Pythia.
            {"tiny-gpt-neox",
             R"({"model_type":"gpt_neox","architectures":["GPTNeoXForCausalLM"],"hidden_size":16,"num_hidden_layers":2,"num_attention_heads":2,"intermediate_size":32,"hidden_act":"gelu","max_position_embeddings":64,"layer_norm_eps":1e-05,"rotary_pct":0.5,"rotary_emb_base":10000,"use_parallel_residual":true,"tie_word_embeddings":false,"vocab_size":50,"bos_token_id":0,"eos_token_id":0})"},
            // EleutherAI/pythia-160m
            {"pythia-160m",
             R"({"model_type":"gpt_neox","architectures":["GPTNeoXForCausalLM"],"hidden_size":768,"num_hidden_layers":12,"num_attention_heads":12,"intermediate_size":3072,"hidden_act":"gelu","max_position_embeddings":2048,"layer_norm_eps":1e-05,"rotary_pct":0.25,"rotary_emb_base":10000,"use_parallel_residual":true,"tie_word_embeddings":false,"vocab_size":50304,"bos_token_id":0,"eos_token_id":0})"},
        },
    };
}

}  // namespace attnviz::core
