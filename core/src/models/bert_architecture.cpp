// BERT, RoBERTa (and XLM-RoBERTa) and DistilBERT: post-LN encoders with
// learned positions, bidirectional by training. Their names, tensor list,
// config reader and presets; the forward pass is bert_model.cpp.
#include "architectures.h"
#include "bert_model.h"
#include "config_reader.h"

namespace attnviz::core {
namespace {

using namespace tensor_table;

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
    t.head = robertaHeadNames();
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
        c.dModel = r.requiredSize("dim");
        c.nLayers = r.requiredSize("n_layers");
        c.nHeads = r.requiredSize("n_heads");
        c.nKvHeads = c.nHeads;
        c.dFF = r.requiredSize("hidden_dim");
        c.activation = r.optionalString("activation", "gelu");
        c.normEps = 1e-12;  // fixed in DistilBERT's modules
        c.typeVocabSize = 0;
        c.padTokenId = r.optionalInt("pad_token_id", 0);
        c.maxPositions = r.requiredSize("max_position_embeddings");
        c.tieWordEmbeddings = r.optionalBool("tie_word_embeddings", true);
    } else {
        const bool roberta = c.architecture == Architecture::Roberta;
        readBertEncoderConfig(r, c, "gelu", roberta ? 1 : 0);
        if (roberta) c.positionOffset = c.padTokenId + 1;
        requireAbsolutePositions(r);
    }
    r.requireOneOf("activation", c.activation, {"gelu", "gelu_new", "relu"});
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
    const std::int64_t d = c.dModel;
    // DistilBERT has no token types, no pooler and no second name for the
    // decoder bias.
    const N bertOnly = c.architecture == Architecture::DistilBert ? N::Absent : N::Ignored;
    // The decoder is the word embedding matrix unless untied and stored.
    const N decoder = c.tieWordEmbeddings ? N::Ignored : N::Optional;
    return joinTensors({
        bertEmbeddingTensors(c, d, requiredIf(c.typeVocabSize > 0)),
        bertEncoderLayerTensors(c, kLayer),
        {
            {R::PoolerWeight,   kOnce, {}, bertOnly, I::None},
            {R::PoolerBias,     kOnce, {}, bertOnly, I::None},
        },
        bertMlmHeadTensors(c, d, decoder),
        {{R::LmHeadBiasCopy,    kOnce, {}, bertOnly, I::None}},
    });
}

std::vector<TensorSpec> bertEmbeddingTensors(const ModelConfig& c, std::int64_t width, TensorNeed types) {
    const std::int64_t e = width;
    return {
        // role                 scope   shape                  need         init
        {R::TokenEmbedding,     kOnce,  {c.vocabSize, e},      N::Required, I::Weight},
        {R::PositionEmbedding,  kOnce,  {c.maxPositions, e},   N::Required, I::Weight},
        {R::TypeEmbedding,      kOnce,  {c.typeVocabSize, e},  types,       I::Weight},
        {R::EmbedNormWeight,    kOnce,  {e},                   N::Required, I::Gain},
        {R::EmbedNormBias,      kOnce,  {e},                   N::Required, I::Bias},
        {R::PositionIds,        kOnce,  {},                    N::Ignored,  I::None},
    };
}

std::vector<TensorSpec> bertEncoderLayerTensors(const ModelConfig& c, TensorScope scope) {
    const std::int64_t d = c.dModel, f = c.dFF;
    return {
        // role                 scope  shape   need         init
        {R::AttnQWeight,        scope, {d, d}, N::Required, I::QkWeight},
        {R::AttnQBias,          scope, {d},    N::Required, I::Bias},
        {R::AttnKWeight,        scope, {d, d}, N::Required, I::QkWeight},
        {R::AttnKBias,          scope, {d},    N::Required, I::Bias},
        {R::AttnVWeight,        scope, {d, d}, N::Required, I::Weight},
        {R::AttnVBias,          scope, {d},    N::Required, I::Bias},
        {R::AttnOutWeight,      scope, {d, d}, N::Required, I::Weight},
        {R::AttnOutBias,        scope, {d},    N::Required, I::Bias},
        {R::AttnOutNormWeight,  scope, {d},    N::Required, I::Gain},
        {R::AttnOutNormBias,    scope, {d},    N::Required, I::Bias},
        {R::FfnUpWeight,        scope, {f, d}, N::Required, I::Weight},
        {R::FfnUpBias,          scope, {f},    N::Required, I::Bias},
        {R::FfnDownWeight,      scope, {d, f}, N::Required, I::Weight},
        {R::FfnDownBias,        scope, {d},    N::Required, I::Bias},
        {R::FfnOutNormWeight,   scope, {d},    N::Required, I::Gain},
        {R::FfnOutNormBias,     scope, {d},    N::Required, I::Bias},
    };
}

std::vector<TensorSpec> bertMlmHeadTensors(const ModelConfig& c, std::int64_t width, TensorNeed decoder) {
    const std::int64_t d = c.dModel, v = c.vocabSize, e = width;
    // Optional (a bare encoder checkpoint has no head), but all there when
    // its first tensor is.
    const R head = R::MlmTransformWeight;
    return {
        // role                 scope   shape   need         init         all there with
        {R::MlmTransformWeight, kOnce,  {e, d}, N::Optional, I::Weight},
        {R::MlmTransformBias,   kOnce,  {e},    N::Required, I::Bias,     head},
        {R::MlmNormWeight,      kOnce,  {e},    N::Required, I::Gain,     head},
        {R::MlmNormBias,        kOnce,  {e},    N::Required, I::Bias,     head},
        {R::LmHeadWeight,       kOnce,  {v, e}, decoder,     I::None,     head},
        {R::LmHeadBias,         kOnce,  {v},    N::Required, I::Bias,     head},
    };
}

std::map<TensorRole, std::string> robertaHeadNames() {
    return {
        {R::MlmTransformWeight, "lm_head.dense.weight"},
        {R::MlmTransformBias, "lm_head.dense.bias"},
        {R::MlmNormWeight, "lm_head.layer_norm.weight"},
        {R::MlmNormBias, "lm_head.layer_norm.bias"},
        {R::LmHeadWeight, "lm_head.decoder.weight"},
        {R::LmHeadBias, "lm_head.bias"},
        {R::LmHeadBiasCopy, "lm_head.decoder.bias"},
    };
}

void readBertEncoderConfig(ConfigReader& r, ModelConfig& c, const char* defaultActivation, int defaultPadTokenId) {
    readStandardSizes(r, c);
    c.maxPositions = r.requiredSize("max_position_embeddings");
    c.activation = r.optionalString("hidden_act", defaultActivation);
    c.normEps = r.positiveDouble("layer_norm_eps", 1e-12);
    c.typeVocabSize = r.optionalInt("type_vocab_size", 2);
    c.padTokenId = r.optionalInt("pad_token_id", defaultPadTokenId);
    c.tieWordEmbeddings = r.optionalBool("tie_word_embeddings", true);
}

void requireAbsolutePositions(ConfigReader& r) {
    const std::string pos = r.optionalString("position_embedding_type", "absolute");
    if (pos != "absolute") {
        r.unsupported("position_embedding_type " + quotedForMessage(pos) + " is not supported (only \"absolute\")");
    }
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
