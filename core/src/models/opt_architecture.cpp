// OPT (OPTForCausalLM): a decoder with learned positions read at row
// position + 2, pre-LN (or post-LN: OPT-350m), a ReLU FFN and, when
// word_embed_proj_dim < hidden_size, projections between the embedding width
// and the model width. Everything about it but the forward pass
// (opt_model.cpp) is here.
#include "architectures.h"
#include "config_reader.h"
#include "opt_model.h"

namespace attnviz::core {
namespace {

using namespace tensor_table;

// OPTLearnedPositionalEmbedding: the table has max_position_embeddings + 2
// rows and position p reads row p + 2.
constexpr int kPositionOffset = 2;

const WeightNameTable& optNames() {
    static const WeightNameTable t = [] {
        WeightNameTable n;
        // OPTForCausalLM files say "model.decoder.", OPTModel files "decoder.".
        n.bodyPrefixes = {"model.", ""};
        n.body = {
            {R::TokenEmbedding, "decoder.embed_tokens.weight"},
            {R::PositionEmbedding, "decoder.embed_positions.weight"},
            {R::ProjectInWeight, "decoder.project_in.weight"},
            {R::AttnNormWeight, "decoder.layers.{L}.self_attn_layer_norm.weight"},
            {R::AttnNormBias, "decoder.layers.{L}.self_attn_layer_norm.bias"},
            {R::AttnQWeight, "decoder.layers.{L}.self_attn.q_proj.weight"},
            {R::AttnQBias, "decoder.layers.{L}.self_attn.q_proj.bias"},
            {R::AttnKWeight, "decoder.layers.{L}.self_attn.k_proj.weight"},
            {R::AttnKBias, "decoder.layers.{L}.self_attn.k_proj.bias"},
            {R::AttnVWeight, "decoder.layers.{L}.self_attn.v_proj.weight"},
            {R::AttnVBias, "decoder.layers.{L}.self_attn.v_proj.bias"},
            {R::AttnOutWeight, "decoder.layers.{L}.self_attn.out_proj.weight"},
            {R::AttnOutBias, "decoder.layers.{L}.self_attn.out_proj.bias"},
            {R::FfnNormWeight, "decoder.layers.{L}.final_layer_norm.weight"},
            {R::FfnNormBias, "decoder.layers.{L}.final_layer_norm.bias"},
            {R::FfnUpWeight, "decoder.layers.{L}.fc1.weight"},
            {R::FfnUpBias, "decoder.layers.{L}.fc1.bias"},
            {R::FfnDownWeight, "decoder.layers.{L}.fc2.weight"},
            {R::FfnDownBias, "decoder.layers.{L}.fc2.bias"},
            {R::FinalNormWeight, "decoder.final_layer_norm.weight"},
            {R::FinalNormBias, "decoder.final_layer_norm.bias"},
            {R::ProjectOutWeight, "decoder.project_out.weight"},
        };
        n.head = {{R::LmHeadWeight, "lm_head.weight"}};
        return n;
    }();
    return t;
}

std::vector<TensorSpec> optTensors(const ModelConfig& c) {
    const std::int64_t d = c.dModel, f = c.dFF, v = c.vocabSize, e = c.wordEmbedProjDim;
    const N projected = requiredIf(e != d);
    const N bias = requiredIf(c.qkvBias);  // enable_bias
    const N finalNorm = requiredIf(c.finalLayerNorm);
    // The LM head is embed_tokens unless untied and stored.
    const N lmHead = c.tieWordEmbeddings ? N::Ignored : N::Optional;
    return presentTensors({
        // role                 scope   shape                 need         init
        {R::TokenEmbedding,     kOnce,  {v, e},               N::Required, I::Weight},
        {R::PositionEmbedding,  kOnce,  {c.maxPositions, d},  N::Required, I::Weight},
        {R::ProjectInWeight,    kOnce,  {d, e},               projected,   I::Weight},
        {R::AttnQWeight,        kLayer, {d, d},               N::Required, I::QkWeight},
        {R::AttnQBias,          kLayer, {d},                  bias,        I::Bias},
        {R::AttnKWeight,        kLayer, {d, d},               N::Required, I::QkWeight},
        {R::AttnKBias,          kLayer, {d},                  bias,        I::Bias},
        {R::AttnVWeight,        kLayer, {d, d},               N::Required, I::Weight},
        {R::AttnVBias,          kLayer, {d},                  bias,        I::Bias},
        {R::AttnOutWeight,      kLayer, {d, d},               N::Required, I::Weight},
        {R::AttnOutBias,        kLayer, {d},                  bias,        I::Bias},
        {R::AttnNormWeight,     kLayer, {d},                  N::Required, I::Gain},
        {R::AttnNormBias,       kLayer, {d},                  N::Required, I::Bias},
        {R::FfnUpWeight,        kLayer, {f, d},               N::Required, I::Weight},
        {R::FfnUpBias,          kLayer, {f},                  bias,        I::Bias},
        {R::FfnDownWeight,      kLayer, {d, f},               N::Required, I::Weight},
        {R::FfnDownBias,        kLayer, {d},                  bias,        I::Bias},
        {R::FfnNormWeight,      kLayer, {d},                  N::Required, I::Gain},
        {R::FfnNormBias,        kLayer, {d},                  N::Required, I::Bias},
        {R::FinalNormWeight,    kOnce,  {d},                  finalNorm,   I::Gain},
        {R::FinalNormBias,      kOnce,  {d},                  finalNorm,   I::Bias},
        {R::ProjectOutWeight,   kOnce,  {e, d},               projected,   I::Weight},
        {R::LmHeadWeight,       kOnce,  {v, e},               lmHead,      I::Weight},
    });
}

void readOptConfig(const nlohmann::json&, ConfigReader& r, ModelConfig& c) {
    c.dModel = r.requiredSize("hidden_size");
    c.nLayers = r.requiredSize("num_hidden_layers");
    c.nHeads = r.requiredSize("num_attention_heads");
    c.nKvHeads = c.nHeads;
    c.dFF = r.requiredSize("ffn_dim");  // not intermediate_size
    // Positions 0 .. max_position_embeddings - 1, rows 2 .. max + 1.
    c.positionOffset = kPositionOffset;
    c.maxPositions = r.optionalSize("max_position_embeddings", 2048) + kPositionOffset;
    c.wordEmbedProjDim = r.optionalSize("word_embed_proj_dim", c.dModel);  // null: hidden_size
    c.preLayerNorm = r.optionalBool("do_layer_norm_before", true);
    c.finalLayerNorm = c.preLayerNorm && !r.optionalBool("_remove_final_layer_norm", false);
    c.qkvBias = c.outputBias = c.mlpBias = r.optionalBool("enable_bias", true);
    c.normEps = 1e-5;  // torch.nn.LayerNorm's default; OPT has no eps field
    c.activation = r.optionalString("activation_function", "relu");
    c.tieWordEmbeddings = r.optionalBool("tie_word_embeddings", true);
    c.padTokenId = r.optionalInt("pad_token_id", 1);
    if (c.wordEmbedProjDim <= 0) r.fail("word_embed_proj_dim must be positive");
    if (!r.optionalBool("layer_norm_elementwise_affine", true)) {
        r.unsupported("layer_norm_elementwise_affine=false is not supported (LayerNorms without weight and bias)");
    }
    r.requireOneOf("activation_function", c.activation, {"relu", "gelu", "gelu_new", "silu"});
}

}  // namespace

ArchitectureInfo optArchitecture() {
    return {
        .architecture = Architecture::Opt,
        .modelTypes = {"opt"},
        .bidirectional = false,
        .positions = PositionScheme::Learned,
        .names = optNames,
        .tensors = optTensors,
        .create = OptModel::create,
        .readConfig = readOptConfig,
        .presets = {
            {"tiny-opt",
             R"({"model_type":"opt","architectures":["OPTForCausalLM"],"hidden_size":8,"num_hidden_layers":2,"num_attention_heads":2,"ffn_dim":16,"max_position_embeddings":64,"word_embed_proj_dim":8,"do_layer_norm_before":true,"_remove_final_layer_norm":false,"enable_bias":true,"layer_norm_elementwise_affine":true,"activation_function":"relu","vocab_size":50,"pad_token_id":1,"bos_token_id":2,"eos_token_id":2})"},
            // OPT-350m's layout: post-LN, no final norm, word_embed_proj_dim < hidden_size.
            {"tiny-opt-350m",
             R"({"model_type":"opt","architectures":["OPTForCausalLM"],"hidden_size":8,"num_hidden_layers":2,"num_attention_heads":2,"ffn_dim":16,"max_position_embeddings":64,"word_embed_proj_dim":4,"do_layer_norm_before":false,"_remove_final_layer_norm":false,"enable_bias":true,"layer_norm_elementwise_affine":true,"activation_function":"relu","vocab_size":50,"pad_token_id":1,"bos_token_id":2,"eos_token_id":2})"},
            {"opt-125m",
             R"({"model_type":"opt","architectures":["OPTForCausalLM"],"hidden_size":768,"num_hidden_layers":12,"num_attention_heads":12,"ffn_dim":3072,"max_position_embeddings":2048,"word_embed_proj_dim":768,"do_layer_norm_before":true,"_remove_final_layer_norm":false,"enable_bias":true,"layer_norm_elementwise_affine":true,"activation_function":"relu","dropout":0.1,"attention_dropout":0.0,"vocab_size":50272,"pad_token_id":1,"bos_token_id":2,"eos_token_id":2,"prefix":"</s>"})"},
        },
    };
}

}  // namespace attnviz::core
