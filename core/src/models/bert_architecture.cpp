// BERT, RoBERTa (and XLM-RoBERTa) and DistilBERT: post-LN encoders with
// learned positions, bidirectional by training. Their names, tensor list,
// config reader and presets; the forward pass is bert_model.cpp.
#include "architectures.h"
#include "bert_model.h"
#include "config_reader.h"

namespace attnviz::core {
namespace {

using R = TensorRole;
using N = TensorNeed;
using I = TensorInit;
constexpr TensorScope kOnce = TensorScope::Once;
constexpr TensorScope kLayer = TensorScope::PerLayer;

WeightNameTable bertTable(const std::string& prefix) {
    WeightNameTable t;
    t.bodyPrefixes = {prefix, ""};
    t.body = {
        {R::TokenEmbedding, "embeddings.word_embeddings.weight"},
        {R::PositionEmbedding, "embeddings.position_embeddings.weight"},
        {R::TypeEmbedding, "embeddings.token_type_embeddings.weight"},
        {R::EmbedNormWeight, "embeddings.LayerNorm.weight"},
        {R::EmbedNormBias, "embeddings.LayerNorm.bias"},
        {R::PositionIds, "embeddings.position_ids"},
        {R::AttnQWeight, "encoder.layer.{L}.attention.self.query.weight"},
        {R::AttnQBias, "encoder.layer.{L}.attention.self.query.bias"},
        {R::AttnKWeight, "encoder.layer.{L}.attention.self.key.weight"},
        {R::AttnKBias, "encoder.layer.{L}.attention.self.key.bias"},
        {R::AttnVWeight, "encoder.layer.{L}.attention.self.value.weight"},
        {R::AttnVBias, "encoder.layer.{L}.attention.self.value.bias"},
        {R::AttnOutWeight, "encoder.layer.{L}.attention.output.dense.weight"},
        {R::AttnOutBias, "encoder.layer.{L}.attention.output.dense.bias"},
        {R::AttnOutNormWeight, "encoder.layer.{L}.attention.output.LayerNorm.weight"},
        {R::AttnOutNormBias, "encoder.layer.{L}.attention.output.LayerNorm.bias"},
        {R::FfnUpWeight, "encoder.layer.{L}.intermediate.dense.weight"},
        {R::FfnUpBias, "encoder.layer.{L}.intermediate.dense.bias"},
        {R::FfnDownWeight, "encoder.layer.{L}.output.dense.weight"},
        {R::FfnDownBias, "encoder.layer.{L}.output.dense.bias"},
        {R::FfnOutNormWeight, "encoder.layer.{L}.output.LayerNorm.weight"},
        {R::FfnOutNormBias, "encoder.layer.{L}.output.LayerNorm.bias"},
        {R::PoolerWeight, "pooler.dense.weight"},
        {R::PoolerBias, "pooler.dense.bias"},
    };
    return t;
}

WeightNameTable makeBert() {
    WeightNameTable t = bertTable("bert.");
    t.head = {
        {R::MlmTransformWeight, "cls.predictions.transform.dense.weight"},
        {R::MlmTransformBias, "cls.predictions.transform.dense.bias"},
        {R::MlmNormWeight, "cls.predictions.transform.LayerNorm.weight"},
        {R::MlmNormBias, "cls.predictions.transform.LayerNorm.bias"},
        {R::LmHeadWeight, "cls.predictions.decoder.weight"},
        {R::LmHeadBias, "cls.predictions.bias"},
        {R::LmHeadBiasCopy, "cls.predictions.decoder.bias"},
    };
    return t;
}

WeightNameTable makeRoberta() {
    WeightNameTable t = bertTable("roberta.");
    t.head = {
        {R::MlmTransformWeight, "lm_head.dense.weight"},
        {R::MlmTransformBias, "lm_head.dense.bias"},
        {R::MlmNormWeight, "lm_head.layer_norm.weight"},
        {R::MlmNormBias, "lm_head.layer_norm.bias"},
        {R::LmHeadWeight, "lm_head.decoder.weight"},
        {R::LmHeadBias, "lm_head.bias"},
        {R::LmHeadBiasCopy, "lm_head.decoder.bias"},
    };
    return t;
}

WeightNameTable makeDistilBert() {
    WeightNameTable t;
    t.bodyPrefixes = {"distilbert.", ""};
    t.body = {
        {R::TokenEmbedding, "embeddings.word_embeddings.weight"},
        {R::PositionEmbedding, "embeddings.position_embeddings.weight"},
        {R::EmbedNormWeight, "embeddings.LayerNorm.weight"},
        {R::EmbedNormBias, "embeddings.LayerNorm.bias"},
        {R::PositionIds, "embeddings.position_ids"},
        {R::AttnQWeight, "transformer.layer.{L}.attention.q_lin.weight"},
        {R::AttnQBias, "transformer.layer.{L}.attention.q_lin.bias"},
        {R::AttnKWeight, "transformer.layer.{L}.attention.k_lin.weight"},
        {R::AttnKBias, "transformer.layer.{L}.attention.k_lin.bias"},
        {R::AttnVWeight, "transformer.layer.{L}.attention.v_lin.weight"},
        {R::AttnVBias, "transformer.layer.{L}.attention.v_lin.bias"},
        {R::AttnOutWeight, "transformer.layer.{L}.attention.out_lin.weight"},
        {R::AttnOutBias, "transformer.layer.{L}.attention.out_lin.bias"},
        {R::AttnOutNormWeight, "transformer.layer.{L}.sa_layer_norm.weight"},
        {R::AttnOutNormBias, "transformer.layer.{L}.sa_layer_norm.bias"},
        {R::FfnUpWeight, "transformer.layer.{L}.ffn.lin1.weight"},
        {R::FfnUpBias, "transformer.layer.{L}.ffn.lin1.bias"},
        {R::FfnDownWeight, "transformer.layer.{L}.ffn.lin2.weight"},
        {R::FfnDownBias, "transformer.layer.{L}.ffn.lin2.bias"},
        {R::FfnOutNormWeight, "transformer.layer.{L}.output_layer_norm.weight"},
        {R::FfnOutNormBias, "transformer.layer.{L}.output_layer_norm.bias"},
    };
    t.head = {
        {R::MlmTransformWeight, "vocab_transform.weight"},
        {R::MlmTransformBias, "vocab_transform.bias"},
        {R::MlmNormWeight, "vocab_layer_norm.weight"},
        {R::MlmNormBias, "vocab_layer_norm.bias"},
        {R::LmHeadWeight, "vocab_projector.weight"},
        {R::LmHeadBias, "vocab_projector.bias"},
    };
    return t;
}

void readBertFamily(const nlohmann::json&, ConfigReader& r, ModelConfig& c) {
    if (c.architecture == Architecture::DistilBert) {
        c.dModel = r.requiredInt("dim");
        c.nLayers = r.requiredInt("n_layers");
        c.nHeads = r.requiredInt("n_heads");
        c.dFF = r.requiredInt("hidden_dim");
        c.activation = r.optionalString("activation", "gelu");
        c.normEps = 1e-12;  // fixed in DistilBERT's modules
        c.typeVocabSize = 0;
        c.padTokenId = r.optionalInt("pad_token_id", 0);
    } else {
        c.dModel = r.requiredInt("hidden_size");
        c.nLayers = r.requiredInt("num_hidden_layers");
        c.nHeads = r.requiredInt("num_attention_heads");
        c.dFF = r.requiredInt("intermediate_size");
        c.activation = r.optionalString("hidden_act", "gelu");
        c.normEps = r.optionalDouble("layer_norm_eps", 1e-12);
        c.typeVocabSize = r.optionalInt("type_vocab_size", 2);
        const bool roberta = c.architecture == Architecture::Roberta;
        c.padTokenId = r.optionalInt("pad_token_id", roberta ? 1 : 0);
        if (roberta) c.positionOffset = c.padTokenId + 1;
        const std::string pos = r.optionalString("position_embedding_type", "absolute");
        if (pos != "absolute") {
            r.unsupported("position_embedding_type \"" + pos + "\" is not supported (only \"absolute\")");
        }
    }
    c.maxPositions = r.requiredInt("max_position_embeddings");
    c.nKvHeads = c.nHeads;
    c.tieWordEmbeddings = r.optionalBool("tie_word_embeddings", true);
    if (c.activation != "gelu" && c.activation != "gelu_new" && c.activation != "relu") {
        r.unsupported("activation \"" + c.activation + "\" is not supported (gelu, gelu_new, relu)");
    }
}

const std::vector<std::pair<std::string, std::string>> kBertPresets = {
        {"bert-base", R"({"model_type":"bert","architectures":["BertForMaskedLM"],"hidden_size":768,"num_hidden_layers":12,"num_attention_heads":12,"intermediate_size":3072,"hidden_act":"gelu","max_position_embeddings":512,"type_vocab_size":2,"layer_norm_eps":1e-12,"vocab_size":30522,"pad_token_id":0})"},
        {"tiny-bert", R"({"model_type":"bert","hidden_size":8,"num_hidden_layers":2,"num_attention_heads":2,"intermediate_size":16,"hidden_act":"gelu","max_position_embeddings":64,"type_vocab_size":2,"layer_norm_eps":1e-12,"vocab_size":50,"pad_token_id":0})"},
};
const std::vector<std::pair<std::string, std::string>> kRobertaPresets = {
        {"tiny-roberta", R"({"model_type":"roberta","hidden_size":8,"num_hidden_layers":2,"num_attention_heads":2,"intermediate_size":16,"hidden_act":"gelu","max_position_embeddings":66,"type_vocab_size":1,"layer_norm_eps":1e-05,"vocab_size":50,"pad_token_id":1})"},
};
const std::vector<std::pair<std::string, std::string>> kDistilBertPresets = {
        {"tiny-distilbert", R"({"model_type":"distilbert","dim":8,"n_layers":2,"n_heads":2,"hidden_dim":16,"activation":"gelu","max_position_embeddings":64,"vocab_size":50,"sinusoidal_pos_embds":false})"},
};

}  // namespace

const WeightNameTable& bertNames() {
    static const WeightNameTable t = makeBert();
    return t;
}

const WeightNameTable& robertaNames() {
    static const WeightNameTable t = makeRoberta();
    return t;
}

const WeightNameTable& distilBertNames() {
    static const WeightNameTable t = makeDistilBert();
    return t;
}

std::vector<TensorSpec> bertTensors(const ModelConfig& c) {
    const std::int64_t d = c.dModel, f = c.dFF, v = c.vocabSize;
    const N types = c.typeVocabSize > 0 ? N::Required : N::Absent;
    // DistilBERT has no pooler and no second name for the decoder bias.
    const N bertOnly = c.architecture == Architecture::DistilBert ? N::Absent : N::Ignored;
    // The decoder is the word embedding matrix unless untied and stored.
    const N decoder = c.tieWordEmbeddings ? N::Ignored : N::Optional;
    // The masked-LM head is optional (a bare encoder checkpoint has none),
    // but all there when its first tensor is.
    const R head = R::MlmTransformWeight;
    return presentTensors({
        // role                 scope   shape                  need        init         all there with
        {R::TokenEmbedding,     kOnce,  {v, d},                N::Required, I::Weight},
        {R::PositionEmbedding,  kOnce,  {c.maxPositions, d},   N::Required, I::Weight},
        {R::TypeEmbedding,      kOnce,  {c.typeVocabSize, d},  types,       I::Weight},
        {R::EmbedNormWeight,    kOnce,  {d},                   N::Required, I::Gain},
        {R::EmbedNormBias,      kOnce,  {d},                   N::Required, I::Bias},
        {R::PositionIds,        kOnce,  {},                    N::Ignored,  I::None},
        {R::AttnQWeight,        kLayer, {d, d},                N::Required, I::QkWeight},
        {R::AttnQBias,          kLayer, {d},                   N::Required, I::Bias},
        {R::AttnKWeight,        kLayer, {d, d},                N::Required, I::QkWeight},
        {R::AttnKBias,          kLayer, {d},                   N::Required, I::Bias},
        {R::AttnVWeight,        kLayer, {d, d},                N::Required, I::Weight},
        {R::AttnVBias,          kLayer, {d},                   N::Required, I::Bias},
        {R::AttnOutWeight,      kLayer, {d, d},                N::Required, I::Weight},
        {R::AttnOutBias,        kLayer, {d},                   N::Required, I::Bias},
        {R::AttnOutNormWeight,  kLayer, {d},                   N::Required, I::Gain},
        {R::AttnOutNormBias,    kLayer, {d},                   N::Required, I::Bias},
        {R::FfnUpWeight,        kLayer, {f, d},                N::Required, I::Weight},
        {R::FfnUpBias,          kLayer, {f},                   N::Required, I::Bias},
        {R::FfnDownWeight,      kLayer, {d, f},                N::Required, I::Weight},
        {R::FfnDownBias,        kLayer, {d},                   N::Required, I::Bias},
        {R::FfnOutNormWeight,   kLayer, {d},                   N::Required, I::Gain},
        {R::FfnOutNormBias,     kLayer, {d},                   N::Required, I::Bias},
        {R::PoolerWeight,       kOnce,  {},                    bertOnly,    I::None},
        {R::PoolerBias,         kOnce,  {},                    bertOnly,    I::None},
        {R::MlmTransformWeight, kOnce,  {d, d},                N::Optional, I::Weight},
        {R::MlmTransformBias,   kOnce,  {d},                   N::Required, I::Bias,     head},
        {R::MlmNormWeight,      kOnce,  {d},                   N::Required, I::Gain,     head},
        {R::MlmNormBias,        kOnce,  {d},                   N::Required, I::Bias,     head},
        {R::LmHeadWeight,       kOnce,  {v, d},                decoder,     I::None,     head},
        {R::LmHeadBias,         kOnce,  {v},                   N::Required, I::Bias,     head},
        {R::LmHeadBiasCopy,     kOnce,  {},                    bertOnly,    I::None},
    });
}

WeightNameTable bertBodyNames(const std::string& prefix) { return bertTable(prefix); }

ArchitectureInfo bertArchitecture() {
    return {Architecture::Bert, {"bert"}, true, PositionScheme::Learned, bertNames, bertTensors, BertModel::create,
            readBertFamily, kBertPresets};
}

ArchitectureInfo robertaArchitecture() {
    return {Architecture::Roberta, {"roberta", "xlm-roberta"}, true, PositionScheme::Learned, robertaNames,
            bertTensors, BertModel::create, readBertFamily, kRobertaPresets};
}

ArchitectureInfo distilBertArchitecture() {
    return {Architecture::DistilBert, {"distilbert"}, true, PositionScheme::Learned, distilBertNames, bertTensors,
            BertModel::create, readBertFamily, kDistilBertPresets};
}

}  // namespace attnviz::core
