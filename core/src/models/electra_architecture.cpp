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

namespace attnviz::core {
namespace {

using namespace tensor_table;

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
    const std::int64_t d = c.dModel, e = c.embeddingSize;
    // embeddings_project exists only when the widths differ.
    const N project = requiredIf(e != d);
    // generator_lm_head.weight is the word embedding matrix unless untied.
    // The generator head is optional (ElectraModel and the discriminator
    // have none).
    const N decoder = c.tieWordEmbeddings ? N::Ignored : N::Optional;
    return joinTensors({
        bertEmbeddingTensors(c, e, requiredIf(c.typeVocabSize > 0)),
        {
            // role                       scope  shape   need        init
            {R::EmbedProjectWeight,       kOnce, {d, e}, project,    I::Weight},
            {R::EmbedProjectBias,         kOnce, {d},    project,    I::Bias},
        },
        bertEncoderLayerTensors(c, kLayer),
        bertMlmHeadTensors(c, e, decoder),
        {
            {R::DiscriminatorDenseWeight, kOnce, {},     N::Ignored, I::None},
            {R::DiscriminatorDenseBias,   kOnce, {},     N::Ignored, I::None},
            {R::DiscriminatorOutWeight,   kOnce, {},     N::Ignored, I::None},
            {R::DiscriminatorOutBias,     kOnce, {},     N::Ignored, I::None},
        },
    });
}

void readElectraConfig(const nlohmann::json&, ConfigReader& r, ModelConfig& c) {
    readBertEncoderConfig(r, c, "gelu", 0);
    c.embeddingSize = r.optionalSize("embedding_size", 128);
    if (c.embeddingSize <= 0) r.fail("embedding_size must be positive");
    requireAbsolutePositions(r);
    r.requireOneOf("hidden_act", c.activation, {"gelu", "gelu_new", "relu"});
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
