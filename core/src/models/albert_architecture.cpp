// ALBERT (AlbertForMaskedLM, AlbertModel): BERT's post-LN encoder with
// factorised embeddings (word, position and token-type tables of width
// embedding_size E, LayerNorm(E), then embedding_hidden_mapping_in E -> d)
// and one layer whose weights all num_hidden_layers layers use. MLM head:
// predictions.dense (d -> E), hidden_act, LayerNorm(E), the word embeddings
// transposed (tied) + predictions.bias. BertModel runs it.
#include "architectures.h"
#include "bert_model.h"
#include "config_reader.h"

namespace attnviz::core {
namespace {

using R = TensorRole;
using N = TensorNeed;
using I = TensorInit;
constexpr TensorScope kOnce = TensorScope::Once;

const WeightNameTable& albertNames() {
    static const WeightNameTable t = [] {
        WeightNameTable n;
        n.bodyPrefixes = {"albert.", ""};
        // The one layer: group 0, inner layer 0 (num_hidden_groups = inner_group_num = 1).
        const std::string layer = "encoder.albert_layer_groups.0.albert_layers.0.";
        n.body = {
            {R::TokenEmbedding, "embeddings.word_embeddings.weight"},
            {R::PositionEmbedding, "embeddings.position_embeddings.weight"},
            {R::TypeEmbedding, "embeddings.token_type_embeddings.weight"},
            {R::EmbedNormWeight, "embeddings.LayerNorm.weight"},
            {R::EmbedNormBias, "embeddings.LayerNorm.bias"},
            {R::PositionIds, "embeddings.position_ids"},
            {R::EmbedProjectWeight, "encoder.embedding_hidden_mapping_in.weight"},
            {R::EmbedProjectBias, "encoder.embedding_hidden_mapping_in.bias"},
            {R::AttnQWeight, layer + "attention.query.weight"},
            {R::AttnQBias, layer + "attention.query.bias"},
            {R::AttnKWeight, layer + "attention.key.weight"},
            {R::AttnKBias, layer + "attention.key.bias"},
            {R::AttnVWeight, layer + "attention.value.weight"},
            {R::AttnVBias, layer + "attention.value.bias"},
            {R::AttnOutWeight, layer + "attention.dense.weight"},
            {R::AttnOutBias, layer + "attention.dense.bias"},
            {R::AttnOutNormWeight, layer + "attention.LayerNorm.weight"},
            {R::AttnOutNormBias, layer + "attention.LayerNorm.bias"},
            {R::FfnUpWeight, layer + "ffn.weight"},
            {R::FfnUpBias, layer + "ffn.bias"},
            {R::FfnDownWeight, layer + "ffn_output.weight"},
            {R::FfnDownBias, layer + "ffn_output.bias"},
            {R::FfnOutNormWeight, layer + "full_layer_layer_norm.weight"},
            {R::FfnOutNormBias, layer + "full_layer_layer_norm.bias"},
            {R::PoolerWeight, "pooler.weight"},
            {R::PoolerBias, "pooler.bias"},
        };
        n.head = {
            {R::MlmTransformWeight, "predictions.dense.weight"},
            {R::MlmTransformBias, "predictions.dense.bias"},
            {R::MlmNormWeight, "predictions.LayerNorm.weight"},
            {R::MlmNormBias, "predictions.LayerNorm.bias"},
            {R::LmHeadWeight, "predictions.decoder.weight"},
            {R::LmHeadBias, "predictions.bias"},
            {R::LmHeadBiasCopy, "predictions.decoder.bias"},
        };
        return n;
    }();
    return t;
}

std::vector<TensorSpec> albertTensors(const ModelConfig& c) {
    const std::int64_t d = c.dModel, f = c.dFF, v = c.vocabSize, e = c.embeddingSize;
    // The decoder is the word embedding matrix unless untied and stored.
    const N decoder = c.tieWordEmbeddings ? N::Ignored : N::Optional;
    // The masked-LM head is optional (AlbertModel has none), all there when
    // its first tensor is.
    const R head = R::MlmTransformWeight;
    // The shared layer is stored once: every entry is Once.
    return {
        // role                 scope  shape                 need         init         all there with
        {R::TokenEmbedding,     kOnce, {v, e},               N::Required, I::Weight},
        {R::PositionEmbedding,  kOnce, {c.maxPositions, e},  N::Required, I::Weight},
        {R::TypeEmbedding,      kOnce, {c.typeVocabSize, e}, N::Required, I::Weight},
        {R::EmbedNormWeight,    kOnce, {e},                  N::Required, I::Gain},
        {R::EmbedNormBias,      kOnce, {e},                  N::Required, I::Bias},
        {R::PositionIds,        kOnce, {},                   N::Ignored,  I::None},
        {R::EmbedProjectWeight, kOnce, {d, e},               N::Required, I::Weight},
        {R::EmbedProjectBias,   kOnce, {d},                  N::Required, I::Bias},
        {R::AttnQWeight,        kOnce, {d, d},               N::Required, I::QkWeight},
        {R::AttnQBias,          kOnce, {d},                  N::Required, I::Bias},
        {R::AttnKWeight,        kOnce, {d, d},               N::Required, I::QkWeight},
        {R::AttnKBias,          kOnce, {d},                  N::Required, I::Bias},
        {R::AttnVWeight,        kOnce, {d, d},               N::Required, I::Weight},
        {R::AttnVBias,          kOnce, {d},                  N::Required, I::Bias},
        {R::AttnOutWeight,      kOnce, {d, d},               N::Required, I::Weight},
        {R::AttnOutBias,        kOnce, {d},                  N::Required, I::Bias},
        {R::AttnOutNormWeight,  kOnce, {d},                  N::Required, I::Gain},
        {R::AttnOutNormBias,    kOnce, {d},                  N::Required, I::Bias},
        {R::FfnUpWeight,        kOnce, {f, d},               N::Required, I::Weight},
        {R::FfnUpBias,          kOnce, {f},                  N::Required, I::Bias},
        {R::FfnDownWeight,      kOnce, {d, f},               N::Required, I::Weight},
        {R::FfnDownBias,        kOnce, {d},                  N::Required, I::Bias},
        {R::FfnOutNormWeight,   kOnce, {d},                  N::Required, I::Gain},
        {R::FfnOutNormBias,     kOnce, {d},                  N::Required, I::Bias},
        {R::PoolerWeight,       kOnce, {},                   N::Ignored,  I::None},
        {R::PoolerBias,         kOnce, {},                   N::Ignored,  I::None},
        {R::MlmTransformWeight, kOnce, {e, d},               N::Optional, I::Weight},
        {R::MlmTransformBias,   kOnce, {e},                  N::Required, I::Bias,     head},
        {R::MlmNormWeight,      kOnce, {e},                  N::Required, I::Gain,     head},
        {R::MlmNormBias,        kOnce, {e},                  N::Required, I::Bias,     head},
        {R::LmHeadWeight,       kOnce, {v, e},               decoder,     I::None,     head},
        {R::LmHeadBias,         kOnce, {v},                  N::Required, I::Bias,     head},
        {R::LmHeadBiasCopy,     kOnce, {},                   N::Ignored,  I::None},
    };
}

void readAlbertConfig(const nlohmann::json&, ConfigReader& r, ModelConfig& c) {
    c.dModel = r.requiredInt("hidden_size");
    c.nLayers = r.requiredInt("num_hidden_layers");
    c.nHeads = r.requiredInt("num_attention_heads");
    c.nKvHeads = c.nHeads;
    c.dFF = r.requiredInt("intermediate_size");
    c.maxPositions = r.requiredInt("max_position_embeddings");
    c.embeddingSize = r.optionalInt("embedding_size", 128);
    c.activation = r.optionalString("hidden_act", "gelu_new");
    c.normEps = r.optionalDouble("layer_norm_eps", 1e-12);
    c.typeVocabSize = r.optionalInt("type_vocab_size", 2);
    c.padTokenId = r.optionalInt("pad_token_id", 0);
    c.tieWordEmbeddings = r.optionalBool("tie_word_embeddings", true);
    if (c.embeddingSize <= 0) r.fail("embedding_size must be positive");
    if (c.typeVocabSize <= 0) r.fail("type_vocab_size must be positive");
    // Several groups, or several layers per group, are not implemented.
    for (const char* field : {"num_hidden_groups", "inner_group_num"}) {
        const int n = r.optionalInt(field, 1);
        if (n != 1) r.unsupported(std::string(field) + " = " + std::to_string(n) + " is not supported (only 1)");
    }
    const std::string pos = r.optionalString("position_embedding_type", "absolute");
    if (pos != "absolute") {
        r.unsupported("position_embedding_type \"" + pos + "\" is not supported (only \"absolute\")");
    }
    if (c.activation != "gelu" && c.activation != "gelu_new" && c.activation != "relu") {
        r.unsupported("hidden_act \"" + c.activation + "\" is not supported (gelu, gelu_new, relu)");
    }
}

}  // namespace

ArchitectureInfo albertArchitecture() {
    return {
        Architecture::Albert, {"albert"}, true, PositionScheme::Learned, albertNames, albertTensors,
        BertModel::create, readAlbertConfig,
        {
            {"tiny-albert", R"({"model_type":"albert","architectures":["AlbertForMaskedLM"],"embedding_size":4,"hidden_size":8,"num_hidden_layers":2,"num_attention_heads":2,"intermediate_size":16,"hidden_act":"gelu_new","num_hidden_groups":1,"inner_group_num":1,"max_position_embeddings":64,"type_vocab_size":2,"layer_norm_eps":1e-12,"vocab_size":50,"pad_token_id":0})"},
            // albert/albert-base-v2
            {"albert-base-v2", R"({"model_type":"albert","architectures":["AlbertForMaskedLM"],"embedding_size":128,"hidden_size":768,"num_hidden_layers":12,"num_attention_heads":12,"intermediate_size":3072,"hidden_act":"gelu_new","num_hidden_groups":1,"inner_group_num":1,"max_position_embeddings":512,"type_vocab_size":2,"layer_norm_eps":1e-12,"vocab_size":30000,"pad_token_id":0,"bos_token_id":2,"eos_token_id":3})"},
        },
    };
}

}  // namespace attnviz::core
