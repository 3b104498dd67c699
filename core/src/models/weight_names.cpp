#include "weight_names.h"

#include "architectures.h"

namespace attnviz::core {
namespace {

using R = TensorRole;

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

WeightNameTable makeLlama() {
    WeightNameTable t;
    t.bodyPrefixes = {"model.", ""};
    t.body = {
        {R::TokenEmbedding, "embed_tokens.weight"},
        {R::AttnNormWeight, "layers.{L}.input_layernorm.weight"},
        {R::AttnQWeight, "layers.{L}.self_attn.q_proj.weight"},
        {R::AttnQBias, "layers.{L}.self_attn.q_proj.bias"},
        {R::AttnKWeight, "layers.{L}.self_attn.k_proj.weight"},
        {R::AttnKBias, "layers.{L}.self_attn.k_proj.bias"},
        {R::AttnVWeight, "layers.{L}.self_attn.v_proj.weight"},
        {R::AttnVBias, "layers.{L}.self_attn.v_proj.bias"},
        {R::AttnOutWeight, "layers.{L}.self_attn.o_proj.weight"},
        {R::AttnOutBias, "layers.{L}.self_attn.o_proj.bias"},
        {R::FfnNormWeight, "layers.{L}.post_attention_layernorm.weight"},
        {R::FfnGateWeight, "layers.{L}.mlp.gate_proj.weight"},
        {R::FfnUpWeight, "layers.{L}.mlp.up_proj.weight"},
        {R::FfnDownWeight, "layers.{L}.mlp.down_proj.weight"},
        {R::RotaryInvFreq, "layers.{L}.self_attn.rotary_emb.inv_freq"},
        {R::FinalNormWeight, "norm.weight"},
    };
    t.head = {{R::LmHeadWeight, "lm_head.weight"}};
    return t;
}

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

const WeightNameTable& gpt2Names() {
    static const WeightNameTable t = makeGpt2();
    return t;
}

const WeightNameTable& llamaNames() {
    static const WeightNameTable t = makeLlama();
    return t;
}

WeightNameTable bertBodyNames(const std::string& prefix) { return bertTable(prefix); }

const WeightNameTable& weightNameTable(Architecture architecture) { return architectureInfo(architecture).names(); }

std::string tensorName(const WeightNameTable& table, const std::string& prefix, TensorRole role, int layer) {
    std::string n;
    if (auto it = table.body.find(role); it != table.body.end()) {
        n = prefix + it->second;
    } else if (auto h = table.head.find(role); h != table.head.end()) {
        n = h->second;
    } else {
        return {};
    }
    if (const auto pos = n.find("{L}"); pos != std::string::npos) n.replace(pos, 3, std::to_string(layer));
    return n;
}

}  // namespace attnviz::core
