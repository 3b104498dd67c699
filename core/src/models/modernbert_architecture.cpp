// ModernBERT (ModernBertForMaskedLM): a pre-LN rotary encoder whose layers
// alternate between global attention and a symmetric local window, with a
// different RoPE theta for each kind. Everything about it but the forward
// pass (modernbert_model.cpp) is here.
#include "architectures.h"
#include "config_reader.h"
#include "modernbert_model.h"

#include <algorithm>

namespace attnviz::core {
namespace {

using namespace tensor_table;

const WeightNameTable& modernBertNames() {
    static const WeightNameTable t = [] {
        WeightNameTable n;
        n.bodyPrefixes = {"model.", ""};
        n.body = {
            {R::TokenEmbedding, "embeddings.tok_embeddings.weight"},
            {R::EmbedNormWeight, "embeddings.norm.weight"},
            {R::EmbedNormBias, "embeddings.norm.bias"},
            {R::AttnNormWeight, "layers.{L}.attn_norm.weight"},
            {R::AttnNormBias, "layers.{L}.attn_norm.bias"},
            {R::AttnQkvWeight, "layers.{L}.attn.Wqkv.weight"},
            {R::AttnQkvBias, "layers.{L}.attn.Wqkv.bias"},
            {R::AttnOutWeight, "layers.{L}.attn.Wo.weight"},
            {R::AttnOutBias, "layers.{L}.attn.Wo.bias"},
            {R::FfnNormWeight, "layers.{L}.mlp_norm.weight"},
            {R::FfnNormBias, "layers.{L}.mlp_norm.bias"},
            {R::FfnUpWeight, "layers.{L}.mlp.Wi.weight"},
            {R::FfnUpBias, "layers.{L}.mlp.Wi.bias"},
            {R::FfnDownWeight, "layers.{L}.mlp.Wo.weight"},
            {R::FfnDownBias, "layers.{L}.mlp.Wo.bias"},
            {R::FinalNormWeight, "final_norm.weight"},
            {R::FinalNormBias, "final_norm.bias"},
        };
        n.head = {
            {R::MlmTransformWeight, "head.dense.weight"},
            {R::MlmTransformBias, "head.dense.bias"},
            {R::MlmNormWeight, "head.norm.weight"},
            {R::MlmNormBias, "head.norm.bias"},
            {R::LmHeadWeight, "decoder.weight"},
            {R::LmHeadBias, "decoder.bias"},
        };
        return n;
    }();
    return t;
}

std::vector<TensorSpec> modernBertTensors(const ModelConfig& c) {
    const std::int64_t d = c.dModel, f = c.dFF, v = c.vocabSize;
    // Every bias follows its config flag (norm_bias, attention_bias, ...).
    const N normBias = requiredIf(c.normBias);
    const N attnBias = requiredIf(c.qkvBias);
    const N mlpBias = requiredIf(c.mlpBias);
    // The decoder is the token embedding matrix unless untied (then stored).
    const N decoder = c.tieWordEmbeddings ? N::Ignored : N::Required;
    // The masked-LM head is optional (ModernBertModel files have none), but
    // all there when its first tensor is.
    const R head = R::MlmTransformWeight;
    return presentTensors({
        // role                 scope   shape       need              init         all there with / from layer
        {R::TokenEmbedding,     kOnce,  {v, d},     N::Required,      I::Weight},
        {R::EmbedNormWeight,    kOnce,  {d},        N::Required,      I::Gain},
        {R::EmbedNormBias,      kOnce,  {d},        normBias,         I::Bias},
        // Layer 0 has no attention norm (Identity in Hugging Face).
        {R::AttnNormWeight,     kLayer, {d},        N::Required,      I::Gain,     std::nullopt, 1},
        {R::AttnNormBias,       kLayer, {d},        normBias,         I::Bias,     std::nullopt, 1},
        // Wqkv rows: Q (d) | K (d) | V (d).
        {R::AttnQkvWeight,      kLayer, {3 * d, d}, N::Required,      I::Weight},
        {R::AttnQkvBias,        kLayer, {3 * d},    attnBias,         I::Bias},
        {R::AttnOutWeight,      kLayer, {d, d},     N::Required,      I::Weight},
        {R::AttnOutBias,        kLayer, {d},        attnBias,         I::Bias},
        {R::FfnNormWeight,      kLayer, {d},        N::Required,      I::Gain},
        {R::FfnNormBias,        kLayer, {d},        normBias,         I::Bias},
        // Wi rows: input (dFF) | gate (dFF).
        {R::FfnUpWeight,        kLayer, {2 * f, d}, N::Required,      I::Weight},
        {R::FfnUpBias,          kLayer, {2 * f},    mlpBias,          I::Bias},
        {R::FfnDownWeight,      kLayer, {d, f},     N::Required,      I::Weight},
        {R::FfnDownBias,        kLayer, {d},        mlpBias,          I::Bias},
        {R::FinalNormWeight,    kOnce,  {d},        N::Required,      I::Gain},
        {R::FinalNormBias,      kOnce,  {d},        normBias,         I::Bias},
        {R::MlmTransformWeight, kOnce,  {d, d},     N::Optional,      I::Weight},
        {R::MlmTransformBias,   kOnce,  {d},        requiredIf(c.headDenseBias), I::Bias, head},
        {R::MlmNormWeight,      kOnce,  {d},        N::Required,      I::Gain,     head},
        {R::MlmNormBias,        kOnce,  {d},        normBias,         I::Bias,     head},
        {R::LmHeadWeight,       kOnce,  {v, d},     decoder,          I::Weight,   head},
        {R::LmHeadBias,         kOnce,  {v},        requiredIf(c.decoderBias), I::Bias, head},
    });
}

void readModernBertConfig(const nlohmann::json& j, ConfigReader& r, ModelConfig& c) {
    readStandardSizes(r, c);
    c.maxPositions = r.optionalSize("max_position_embeddings", 8192);
    c.normEps = r.positiveDouble("norm_eps", 1e-5);
    c.activation = r.optionalString("hidden_activation", "gelu");
    c.headActivation = r.optionalString("classifier_activation", "gelu");
    c.ropeTheta = r.positiveDouble("global_rope_theta", 160000.0);
    // An explicit null means "the global theta on local layers too".
    const auto local = j.find("local_rope_theta");
    const bool localIsNull = local != j.end() && local->is_null();
    c.localRopeTheta = localIsNull ? c.ropeTheta : r.positiveDouble("local_rope_theta", 10000.0);
    c.qkvBias = c.outputBias = r.optionalBool("attention_bias", false);
    c.mlpBias = r.optionalBool("mlp_bias", false);
    c.normBias = r.optionalBool("norm_bias", false);
    c.headDenseBias = r.optionalBool("classifier_bias", false);
    c.decoderBias = r.optionalBool("decoder_bias", true);
    c.tieWordEmbeddings = r.optionalBool("tie_word_embeddings", true);
    c.padTokenId = r.optionalInt("pad_token_id", 50283);
    for (auto [field, value] : {std::pair{"hidden_activation", c.activation},
                                {"classifier_activation", c.headActivation}}) {
        r.requireOneOf(field, value, {"gelu", "gelu_new", "gelu_pytorch_tanh", "relu", "silu", "swish"},
                       "gelu, gelu_new, relu, silu");
    }
    // Layer l is global when l % global_attn_every_n_layers == 0, else it
    // attends |i - j| <= local_attention / 2.
    const int every = r.optionalSize("global_attn_every_n_layers", 3);
    const int window = r.optionalSize("local_attention", 128);
    if (every <= 0) r.fail("global_attn_every_n_layers must be positive");
    if (window <= 0) r.fail("local_attention must be positive");
    if (every <= 0 || window <= 0) return;
    for (int l = 0; l < std::max(c.nLayers, 0); ++l) {
        c.layerKinds.push_back(l % every == 0 ? LayerKind::global() : LayerKind::symmetricWindow(window));
    }
}

}  // namespace

ArchitectureInfo modernBertArchitecture() {
    return {
        .architecture = Architecture::ModernBert,
        .modelTypes = {"modernbert"},
        .bidirectional = true,
        .positions = PositionScheme::Rotary,
        .names = modernBertNames,
        .tensors = modernBertTensors,
        .create = ModernBertModel::create,
        .readConfig = readModernBertConfig,
        .presets = {
            {"tiny-modernbert",
             R"({"model_type":"modernbert","architectures":["ModernBertForMaskedLM"],"hidden_size":8,"num_hidden_layers":2,"num_attention_heads":2,"intermediate_size":12,"hidden_activation":"gelu","max_position_embeddings":64,"norm_eps":1e-05,"norm_bias":false,"global_rope_theta":160000.0,"local_rope_theta":10000.0,"global_attn_every_n_layers":2,"local_attention":4,"attention_bias":false,"mlp_bias":false,"classifier_bias":false,"classifier_activation":"gelu","decoder_bias":true,"vocab_size":50,"pad_token_id":1,"bos_token_id":0,"eos_token_id":2,"cls_token_id":0,"sep_token_id":2})"},
            {"modernbert-base",
             R"({"model_type":"modernbert","architectures":["ModernBertForMaskedLM"],"hidden_size":768,"num_hidden_layers":22,"num_attention_heads":12,"intermediate_size":1152,"hidden_activation":"gelu","max_position_embeddings":8192,"norm_eps":1e-05,"norm_bias":false,"global_rope_theta":160000.0,"local_rope_theta":10000.0,"global_attn_every_n_layers":3,"local_attention":128,"attention_bias":false,"mlp_bias":false,"classifier_bias":false,"classifier_activation":"gelu","decoder_bias":true,"vocab_size":50368,"pad_token_id":50283,"bos_token_id":50281,"eos_token_id":50282,"cls_token_id":50281,"sep_token_id":50282})"},
        },
    };
}

}  // namespace attnviz::core
