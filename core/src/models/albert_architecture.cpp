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

using namespace tensor_table;

const WeightNameTable& albertNames() {
    static const WeightNameTable t = [] {
        // BERT's embeddings; its own layer and pooler names.
        WeightNameTable n = bertBodyNames("albert.");
        // The one layer: group 0, inner layer 0 (num_hidden_groups = inner_group_num = 1).
        const std::string layer = "encoder.albert_layer_groups.0.albert_layers.0.";
        setBodyNames(n, {
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
        });
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
    const std::int64_t d = c.dModel, e = c.embeddingSize;
    // The decoder is the word embedding matrix unless untied and stored.
    const N decoder = c.tieWordEmbeddings ? N::Ignored : N::Optional;
    // The shared layer is stored once: every entry is Once.
    return joinTensors({
        bertEmbeddingTensors(c, e, N::Required),
        {
            // role                 scope  shape   need         init
            {R::EmbedProjectWeight, kOnce, {d, e}, N::Required, I::Weight},
            {R::EmbedProjectBias,   kOnce, {d},    N::Required, I::Bias},
        },
        bertEncoderLayerTensors(c, kOnce),
        {
            {R::PoolerWeight,       kOnce, {},     N::Ignored,  I::None},
            {R::PoolerBias,         kOnce, {},     N::Ignored,  I::None},
        },
        bertMlmHeadTensors(c, e, decoder),
        {{R::LmHeadBiasCopy,        kOnce, {},     N::Ignored,  I::None}},
    });
}

void readAlbertConfig(const nlohmann::json&, ConfigReader& r, ModelConfig& c) {
    readBertEncoderConfig(r, c, "gelu_new", 0);
    c.embeddingSize = r.optionalSize("embedding_size", 128);
    if (c.embeddingSize <= 0) r.fail("embedding_size must be positive");
    if (c.typeVocabSize <= 0) r.fail("type_vocab_size must be positive");
    // Several groups, or several layers per group, are not implemented.
    for (const char* field : {"num_hidden_groups", "inner_group_num"}) {
        const int n = r.optionalInt(field, 1);
        if (n != 1) r.unsupported(std::string(field) + " = " + std::to_string(n) + " is not supported (only 1)");
    }
    requireAbsolutePositions(r);
    r.requireOneOf("hidden_act", c.activation, {"gelu", "gelu_new", "relu"});
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
