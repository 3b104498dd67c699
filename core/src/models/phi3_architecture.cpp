// Phi-3 (Phi3ForCausalLM): a Llama decoder (RMSNorm w x, RoPE over the whole
// head, SwiGLU, no biases) whose q, k and v are one qkv_proj with rows
// [Q (heads headDim) | K (kvHeads headDim) | V (kvHeads headDim)] and whose
// gate and up are one gate_up_proj with rows [gate | up]. Its lm_head is its
// own unless tie_word_embeddings. A `sliding_window` applies to every layer
// (transformers 4.48 eager builds it into the causal mask, as for Mistral).
// The forward pass is llama_model.cpp, which takes q/k/v and gate/up as
// views of the fused rows.
#include "architectures.h"
#include "config_reader.h"
#include "llama_model.h"

#include <algorithm>

namespace attnviz::core {
namespace {

using namespace tensor_table;

const WeightNameTable& phi3Names() {
    static const WeightNameTable t = [] {
        // Llama's names, with fused q/k/v and gate/up and no biases.
        WeightNameTable n = llamaNames();
        for (R role : {R::AttnQWeight, R::AttnQBias, R::AttnKWeight, R::AttnKBias, R::AttnVWeight, R::AttnVBias,
                       R::AttnOutBias, R::FfnGateWeight, R::FfnUpWeight}) {
            n.body.erase(role);
        }
        setBodyNames(n, {
            {R::AttnQkvWeight, "layers.{L}.self_attn.qkv_proj.weight"},
            {R::FfnGateUpWeight, "layers.{L}.mlp.gate_up_proj.weight"},
        });
        return n;
    }();
    return t;
}

std::vector<TensorSpec> phi3Tensors(const ModelConfig& c) {
    const std::int64_t d = c.dModel, f = c.dFF, v = c.vocabSize;
    const std::int64_t q = static_cast<std::int64_t>(c.nHeads) * c.headDim;
    const std::int64_t kv = static_cast<std::int64_t>(c.nKvHeads) * c.headDim;
    const N lmHead = c.tieWordEmbeddings ? N::Ignored : N::Required;
    return {
        // role                 scope   shape             need         init
        {R::TokenEmbedding,     kOnce,  {v, d},           N::Required, I::Weight},
        {R::AttnNormWeight,     kLayer, {d},              N::Required, I::Gain},
        {R::AttnQkvWeight,      kLayer, {q + 2 * kv, d},  N::Required, I::QkWeight},
        {R::AttnOutWeight,      kLayer, {d, q},           N::Required, I::Weight},
        {R::FfnNormWeight,      kLayer, {d},              N::Required, I::Gain},
        {R::FfnGateUpWeight,    kLayer, {2 * f, d},       N::Required, I::Weight},
        {R::FfnDownWeight,      kLayer, {d, f},           N::Required, I::Weight},
        {R::RotaryInvFreq,      kLayer, {},               N::Ignored,  I::None},
        {R::FinalNormWeight,    kOnce,  {d},              N::Required, I::Gain},
        {R::LmHeadWeight,       kOnce,  {v, d},           lmHead,      I::Weight},
    };
}

void readPhi3Config(const nlohmann::json& j, ConfigReader& r, ModelConfig& c) {
    // Defaults are Phi3Config's (transformers 4.48). head_dim is always
    // hidden_size / num_attention_heads there (a "head_dim" field is not read).
    readStandardSizes(r, c);
    c.nKvHeads = r.optionalSize("num_key_value_heads", c.nHeads);
    c.maxPositions = r.optionalSize("max_position_embeddings", 4096);
    c.normEps = r.positiveDouble("rms_norm_eps", 1e-5);
    c.ropeTheta = r.positiveDouble("rope_theta", 10000.0);
    c.tieWordEmbeddings = r.optionalBool("tie_word_embeddings", false);
    c.activation = r.optionalString("hidden_act", "silu");
    r.requireOneOf("hidden_act", c.activation, {"silu"});
    // Phi-3's long-context RoPE ("longrope", formerly "su" / "yarn": short and
    // long factors per frequency and a scaled cos/sin) is not implemented.
    if (auto it = j.find("rope_scaling"); it != j.end() && !it->is_null()) {
        std::string type = "?";
        if (it->is_object()) {
            for (const char* key : {"type", "rope_type"}) {
                if (it->contains(key) && (*it)[key].is_string()) type = (*it)[key].get<std::string>();
            }
        }
        r.unsupported("rope_scaling type " + quotedForMessage(type) + " is not supported for phi3 (only rope_scaling null)");
    }
    // Rotary on part of each head (Phi-4-mini) is not implemented.
    if (const double partial = r.optionalDouble("partial_rotary_factor", 1.0); partial != 1.0) {
        r.unsupported("partial_rotary_factor " + std::to_string(partial) + " is not supported for phi3 (only 1.0)");
    }
    if (r.has("sliding_window")) {
        c.slidingWindow = r.requiredSize("sliding_window");
        if (*c.slidingWindow <= 0) {
            r.fail("sliding_window must be positive");
            return;
        }
        c.layerKinds.assign(static_cast<std::size_t>(std::max(c.nLayers, 0)),
                            LayerKind::causalWindow(*c.slidingWindow));
    }
}

}  // namespace

ArchitectureInfo phi3Architecture() {
    ArchitectureInfo a{
        .architecture = Architecture::Phi3,
        .modelTypes = {"phi3"},
        .bidirectional = false,
        .positions = PositionScheme::Rotary,
        .names = phi3Names,
        .tensors = phi3Tensors,
        .create = LlamaModel::create,
        .readConfig = readPhi3Config,
    };
    a.presets = {
        // 2 layers, 2 query heads sharing 1 kv head, a window of 3 keys in
        // every layer, untied lm_head.
        {"tiny-phi3",
         R"({"model_type":"phi3","architectures":["Phi3ForCausalLM"],"hidden_size":8,"num_hidden_layers":2,"num_attention_heads":2,"num_key_value_heads":1,"intermediate_size":16,"hidden_act":"silu","max_position_embeddings":64,"original_max_position_embeddings":64,"rms_norm_eps":1e-05,"rope_theta":10000.0,"rope_scaling":null,"sliding_window":3,"tie_word_embeddings":false,"vocab_size":50})"},
        // microsoft/Phi-3-mini-4k-instruct.
        {"phi3-mini",
         R"({"model_type":"phi3","architectures":["Phi3ForCausalLM"],"hidden_size":3072,"num_hidden_layers":32,"num_attention_heads":32,"num_key_value_heads":32,"intermediate_size":8192,"hidden_act":"silu","max_position_embeddings":4096,"original_max_position_embeddings":4096,"rms_norm_eps":1e-05,"rope_theta":10000.0,"rope_scaling":null,"sliding_window":2047,"tie_word_embeddings":false,"attention_dropout":0.0,"embd_pdrop":0.0,"resid_pdrop":0.0,"bos_token_id":1,"eos_token_id":32000,"pad_token_id":32000,"vocab_size":32064})"},
    };
    return a;
}

}  // namespace attnviz::core
