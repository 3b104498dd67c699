// ELECTRA (ElectraForMaskedLM = the generator; ElectraModel and the
// discriminator ElectraForPreTraining load too, without predictions): BERT's
// post-LN encoder whose embeddings have width embedding_size E, mapped to d
// by embeddings_project when E != d. Generator head: generator_predictions.dense
// (d -> E), erf GELU (hard-coded, whatever hidden_act says), LayerNorm(E),
// generator_lm_head = the word embeddings (tied) + its stored bias.
// BertModel runs it.
#include "architectures.h"
#include "bert_model.h"
#include "config_reader.h"

#include <algorithm>

namespace attnviz::core {
namespace {

using R = TensorRole;
using N = TensorNeed;
using I = TensorInit;
constexpr TensorScope kOnce = TensorScope::Once;
constexpr TensorScope kLayer = TensorScope::PerLayer;

const WeightNameTable& electraNames() {
    static const WeightNameTable t = [] {
        WeightNameTable n = bertBodyNames("electra.");
        n.body.erase(R::PoolerWeight);  // ElectraModel has no pooler
        n.body.erase(R::PoolerBias);
        n.body[R::EmbedProjectWeight] = "embeddings_project.weight";
        n.body[R::EmbedProjectBias] = "embeddings_project.bias";
        n.head = {
            {R::MlmTransformWeight, "generator_predictions.dense.weight"},
            {R::MlmTransformBias, "generator_predictions.dense.bias"},
            {R::MlmNormWeight, "generator_predictions.LayerNorm.weight"},
            {R::MlmNormBias, "generator_predictions.LayerNorm.bias"},
            {R::LmHeadWeight, "generator_lm_head.weight"},
            {R::LmHeadBias, "generator_lm_head.bias"},
            // The discriminator's replaced-token head (not run).
            {R::DiscriminatorDenseWeight, "discriminator_predictions.dense.weight"},
            {R::DiscriminatorDenseBias, "discriminator_predictions.dense.bias"},
            {R::DiscriminatorOutWeight, "discriminator_predictions.dense_prediction.weight"},
            {R::DiscriminatorOutBias, "discriminator_predictions.dense_prediction.bias"},
        };
        return n;
    }();
    return t;
}

std::vector<TensorSpec> electraTensors(const ModelConfig& c) {
    const std::int64_t d = c.dModel, f = c.dFF, v = c.vocabSize, e = c.embeddingSize;
    const N types = c.typeVocabSize > 0 ? N::Required : N::Absent;
    // embeddings_project exists only when the widths differ.
    const N project = e != d ? N::Required : N::Absent;
    // generator_lm_head.weight is the word embedding matrix unless untied.
    const N decoder = c.tieWordEmbeddings ? N::Ignored : N::Optional;
    // The generator head is optional (ElectraModel and the discriminator
    // have none), all there when its first tensor is.
    const R head = R::MlmTransformWeight;
    std::vector<TensorSpec> specs = {
        // role                       scope   shape                  need         init         all there with
        {R::TokenEmbedding,           kOnce,  {v, e},                N::Required, I::Weight},
        {R::PositionEmbedding,        kOnce,  {c.maxPositions, e},   N::Required, I::Weight},
        {R::TypeEmbedding,            kOnce,  {c.typeVocabSize, e},  types,       I::Weight},
        {R::EmbedNormWeight,          kOnce,  {e},                   N::Required, I::Gain},
        {R::EmbedNormBias,            kOnce,  {e},                   N::Required, I::Bias},
        {R::PositionIds,              kOnce,  {},                    N::Ignored,  I::None},
        {R::EmbedProjectWeight,       kOnce,  {d, e},                project,     I::Weight},
        {R::EmbedProjectBias,         kOnce,  {d},                   project,     I::Bias},
        {R::AttnQWeight,              kLayer, {d, d},                N::Required, I::QkWeight},
        {R::AttnQBias,                kLayer, {d},                   N::Required, I::Bias},
        {R::AttnKWeight,              kLayer, {d, d},                N::Required, I::QkWeight},
        {R::AttnKBias,                kLayer, {d},                   N::Required, I::Bias},
        {R::AttnVWeight,              kLayer, {d, d},                N::Required, I::Weight},
        {R::AttnVBias,                kLayer, {d},                   N::Required, I::Bias},
        {R::AttnOutWeight,            kLayer, {d, d},                N::Required, I::Weight},
        {R::AttnOutBias,              kLayer, {d},                   N::Required, I::Bias},
        {R::AttnOutNormWeight,        kLayer, {d},                   N::Required, I::Gain},
        {R::AttnOutNormBias,          kLayer, {d},                   N::Required, I::Bias},
        {R::FfnUpWeight,              kLayer, {f, d},                N::Required, I::Weight},
        {R::FfnUpBias,                kLayer, {f},                   N::Required, I::Bias},
        {R::FfnDownWeight,            kLayer, {d, f},                N::Required, I::Weight},
        {R::FfnDownBias,              kLayer, {d},                   N::Required, I::Bias},
        {R::FfnOutNormWeight,         kLayer, {d},                   N::Required, I::Gain},
        {R::FfnOutNormBias,           kLayer, {d},                   N::Required, I::Bias},
        {R::MlmTransformWeight,       kOnce,  {e, d},                N::Optional, I::Weight},
        {R::MlmTransformBias,         kOnce,  {e},                   N::Required, I::Bias,     head},
        {R::MlmNormWeight,            kOnce,  {e},                   N::Required, I::Gain,     head},
        {R::MlmNormBias,              kOnce,  {e},                   N::Required, I::Bias,     head},
        {R::LmHeadWeight,             kOnce,  {v, e},                decoder,     I::None,     head},
        {R::LmHeadBias,               kOnce,  {v},                   N::Required, I::Bias,     head},
        {R::DiscriminatorDenseWeight, kOnce,  {},                    N::Ignored,  I::None},
        {R::DiscriminatorDenseBias,   kOnce,  {},                    N::Ignored,  I::None},
        {R::DiscriminatorOutWeight,   kOnce,  {},                    N::Ignored,  I::None},
        {R::DiscriminatorOutBias,     kOnce,  {},                    N::Ignored,  I::None},
    };
    std::erase_if(specs, [](const TensorSpec& s) { return s.need == N::Absent; });
    return specs;
}

void readElectraConfig(const nlohmann::json&, ConfigReader& r, ModelConfig& c) {
    c.dModel = r.requiredInt("hidden_size");
    c.nLayers = r.requiredInt("num_hidden_layers");
    c.nHeads = r.requiredInt("num_attention_heads");
    c.nKvHeads = c.nHeads;
    c.dFF = r.requiredInt("intermediate_size");
    c.maxPositions = r.requiredInt("max_position_embeddings");
    c.embeddingSize = r.optionalInt("embedding_size", 128);
    c.activation = r.optionalString("hidden_act", "gelu");
    c.normEps = r.optionalDouble("layer_norm_eps", 1e-12);
    c.typeVocabSize = r.optionalInt("type_vocab_size", 2);
    c.padTokenId = r.optionalInt("pad_token_id", 0);
    c.tieWordEmbeddings = r.optionalBool("tie_word_embeddings", true);
    if (c.embeddingSize <= 0) r.fail("embedding_size must be positive");
    const std::string pos = r.optionalString("position_embedding_type", "absolute");
    if (pos != "absolute") {
        r.unsupported("position_embedding_type \"" + pos + "\" is not supported (only \"absolute\")");
    }
    if (c.activation != "gelu" && c.activation != "gelu_new" && c.activation != "relu") {
        r.unsupported("hidden_act \"" + c.activation + "\" is not supported (gelu, gelu_new, relu)");
    }
}

}  // namespace

ArchitectureInfo electraArchitecture() {
    return {
        Architecture::Electra, {"electra"}, true, PositionScheme::Learned, electraNames, electraTensors,
        BertModel::create, readElectraConfig,
        {
            {"tiny-electra", R"({"model_type":"electra","architectures":["ElectraForMaskedLM"],"embedding_size":4,"hidden_size":8,"num_hidden_layers":2,"num_attention_heads":2,"intermediate_size":16,"hidden_act":"gelu","max_position_embeddings":64,"type_vocab_size":2,"layer_norm_eps":1e-12,"vocab_size":50,"pad_token_id":0})"},
            // google/electra-small-generator
            {"electra-small-generator", R"({"model_type":"electra","architectures":["ElectraForMaskedLM"],"embedding_size":128,"hidden_size":256,"num_hidden_layers":12,"num_attention_heads":4,"intermediate_size":1024,"hidden_act":"gelu","max_position_embeddings":512,"type_vocab_size":2,"layer_norm_eps":1e-12,"vocab_size":30522,"pad_token_id":0})"},
        },
    };
}

}  // namespace attnviz::core
