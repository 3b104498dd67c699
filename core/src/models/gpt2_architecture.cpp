// GPT-2: pre-LN decoder with learned positions and Conv1D weights stored
// (in, out). Names, tensor list, config reader and presets; the forward pass
// is gpt2_model.cpp.
#include "architectures.h"
#include "config_reader.h"
#include "gpt2_model.h"

namespace attnviz::core {
namespace {

using namespace tensor_table;

WeightNameTable makeGpt2() {
    WeightNameTable t;
    t.bodyPrefixes = {"transformer.", ""};
    t.body = {
        {R::TokenEmbedding, "wte.weight"},
        {R::PositionEmbedding, "wpe.weight"},
        {R::AttnNormWeight, "h.{L}.ln_1.weight"},
        {R::AttnNormBias, "h.{L}.ln_1.bias"},
        {R::AttnQkvWeight, "h.{L}.attn.c_attn.weight"},
        {R::AttnQkvBias, "h.{L}.attn.c_attn.bias"},
        {R::AttnOutWeight, "h.{L}.attn.c_proj.weight"},
        {R::AttnOutBias, "h.{L}.attn.c_proj.bias"},
        {R::FfnNormWeight, "h.{L}.ln_2.weight"},
        {R::FfnNormBias, "h.{L}.ln_2.bias"},
        {R::FfnUpWeight, "h.{L}.mlp.c_fc.weight"},
        {R::FfnUpBias, "h.{L}.mlp.c_fc.bias"},
        {R::FfnDownWeight, "h.{L}.mlp.c_proj.weight"},
        {R::FfnDownBias, "h.{L}.mlp.c_proj.bias"},
        {R::AttnCausalMask, "h.{L}.attn.bias"},
        {R::AttnMaskedBias, "h.{L}.attn.masked_bias"},
        {R::FinalNormWeight, "ln_f.weight"},
        {R::FinalNormBias, "ln_f.bias"},
    };
    t.head = {{R::LmHeadWeight, "lm_head.weight"}};
    return t;
}

void readGpt2(const nlohmann::json&, ConfigReader& r, ModelConfig& c) {
    c.dModel = r.requiredSize("n_embd");
    c.nLayers = r.requiredSize("n_layer");
    c.nHeads = r.requiredSize("n_head");
    c.nKvHeads = c.nHeads;
    c.dFF = r.optionalSize("n_inner", 4 * c.dModel);
    c.maxPositions = r.requiredSize("n_positions");
    c.normEps = r.positiveDouble("layer_norm_epsilon", 1e-5);
    c.activation = r.optionalString("activation_function", "gelu_new");
    c.tieWordEmbeddings = r.optionalBool("tie_word_embeddings", true);
    c.scaleAttnWeights = r.optionalBool("scale_attn_weights", true);
    c.scaleAttnByInverseLayerIdx = r.optionalBool("scale_attn_by_inverse_layer_idx", false);
    r.requireOneOf("activation_function", c.activation, {"gelu_new", "gelu", "relu", "gelu_pytorch_tanh"},
                   "gelu_new, gelu, relu");
}

const std::vector<std::pair<std::string, std::string>> kGpt2Presets = {
        {"gpt2-small", R"({"model_type":"gpt2","architectures":["GPT2LMHeadModel"],"n_embd":768,"n_layer":12,"n_head":12,"n_inner":null,"n_positions":1024,"activation_function":"gelu_new","layer_norm_epsilon":1e-05,"vocab_size":50257,"bos_token_id":50256,"eos_token_id":50256,"tie_word_embeddings":true})"},
        {"tiny-gpt2", R"({"model_type":"gpt2","n_embd":8,"n_layer":2,"n_head":2,"n_inner":null,"n_positions":64,"activation_function":"gelu_new","layer_norm_epsilon":1e-05,"vocab_size":50})"},
};

}  // namespace

const WeightNameTable& gpt2Names() {
    static const WeightNameTable t = makeGpt2();
    return t;
}

std::vector<TensorSpec> gpt2Tensors(const ModelConfig& c) {
    const std::int64_t d = c.dModel, f = c.dFF, v = c.vocabSize;
    // Conv1D weights are stored (in, out). The LM head is wte unless untied
    // and stored.
    const N lmHead = c.tieWordEmbeddings ? N::Ignored : N::Optional;
    return presentTensors({
        // role                 scope   shape                  need         init
        {R::TokenEmbedding,     kOnce,  {v, d},                N::Required, I::Weight},
        {R::PositionEmbedding,  kOnce,  {c.maxPositions, d},   N::Required, I::Weight},
        {R::AttnNormWeight,     kLayer, {d},                   N::Required, I::Gain},
        {R::AttnNormBias,       kLayer, {d},                   N::Required, I::Bias},
        {R::AttnQkvWeight,      kLayer, {d, 3 * d},            N::Required, I::Weight},
        {R::AttnQkvBias,        kLayer, {3 * d},               N::Required, I::Bias},
        {R::AttnOutWeight,      kLayer, {d, d},                N::Required, I::Weight},
        {R::AttnOutBias,        kLayer, {d},                   N::Required, I::Bias},
        {R::FfnNormWeight,      kLayer, {d},                   N::Required, I::Gain},
        {R::FfnNormBias,        kLayer, {d},                   N::Required, I::Bias},
        {R::FfnUpWeight,        kLayer, {d, f},                N::Required, I::Weight},
        {R::FfnUpBias,          kLayer, {f},                   N::Required, I::Bias},
        {R::FfnDownWeight,      kLayer, {f, d},                N::Required, I::Weight},
        {R::FfnDownBias,        kLayer, {d},                   N::Required, I::Bias},
        {R::AttnCausalMask,     kLayer, {},                    N::Ignored,  I::None},
        {R::AttnMaskedBias,     kLayer, {},                    N::Ignored,  I::None},
        {R::FinalNormWeight,    kOnce,  {d},                   N::Required, I::Gain},
        {R::FinalNormBias,      kOnce,  {d},                   N::Required, I::Bias},
        {R::LmHeadWeight,       kOnce,  {v, d},                lmHead,      I::None},
    });
}

ArchitectureInfo gpt2Architecture() {
    return {Architecture::Gpt2, {"gpt2"}, false, PositionScheme::Learned, gpt2Names, gpt2Tensors, Gpt2Model::create,
            readGpt2, kGpt2Presets};
}

}  // namespace attnviz::core
