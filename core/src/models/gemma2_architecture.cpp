// Gemma 2 (Gemma2ForCausalLM): Gemma (sqrt(hidden_size) embedding scale,
// (1 + w) RMSNorms, own head_dim, GeGLU) plus: scores scaled by
// query_pre_attn_scalar^-0.5 and soft-capped (cap tanh(s / cap)) before the
// mask; a sliding window of `sliding_window` keys on even layers, odd layers
// global; norms after attention and around the MLP ("sandwich"); final
// logits soft-capped. The forward pass is gemma_model.cpp.
#include "architectures.h"
#include "config_reader.h"
#include "gemma_model.h"

#include <algorithm>

namespace attnviz::core {
namespace {

using namespace tensor_table;

const WeightNameTable& gemma2Names() {
    static const WeightNameTable t = [] {
        // Gemma's (Llama's) names with the sandwich norms.
        WeightNameTable n = llamaNames();
        n.body.erase(R::RotaryInvFreq);
        setBodyNames(n, {
            {R::AttnOutNormWeight, "layers.{L}.post_attention_layernorm.weight"},
            {R::FfnNormWeight, "layers.{L}.pre_feedforward_layernorm.weight"},
            {R::FfnOutNormWeight, "layers.{L}.post_feedforward_layernorm.weight"},
        });
        return n;
    }();
    return t;
}

std::vector<TensorSpec> gemma2Tensors(const ModelConfig& c) {
    const std::int64_t d = c.dModel, v = c.vocabSize;
    // attention_bias puts a bias on q, k, v and o_proj.
    const N bias = requiredIf(c.qkvBias);
    const N lmHead = c.tieWordEmbeddings ? N::Ignored : N::Required;
    // Gemma's rows plus the norms after attention and around the MLP. Norm
    // weights are stored as w around 0 (gain 1 + w): make-model draws them
    // like biases.
    return joinTensors({
        // role                   scope   shape   need         init
        {{R::TokenEmbedding,      kOnce,  {v, d}, N::Required, I::Weight}},
        llamaAttentionTensors(c, I::Bias, bias, bias),
        {
            {R::AttnOutNormWeight, kLayer, {d},   N::Required, I::Bias},
            {R::FfnNormWeight,     kLayer, {d},   N::Required, I::Bias},
        },
        llamaMlpTensors(c),
        {
            {R::FfnOutNormWeight, kLayer, {d},    N::Required, I::Bias},
            {R::FinalNormWeight,  kOnce,  {d},    N::Required, I::Bias},
            {R::LmHeadWeight,     kOnce,  {v, d}, lmHead,      I::Weight},
        },
    });
}

void readGemma2Config(const nlohmann::json& j, ConfigReader& r, ModelConfig& c) {
    readGemmaFamilyConfig(r, c, 4);
    // Gemma2MLP applies ACT2FN[hidden_activation] (hidden_act is not read).
    c.activation = r.optionalString("hidden_activation", "gelu_pytorch_tanh");
    r.requireOneOf("hidden_activation", c.activation, {"gelu_pytorch_tanh", "gelu_new", "gelu"});
    c.queryPreAttnScalar = r.positiveDouble("query_pre_attn_scalar", 256.0);
    // A soft-cap of null is off; a missing one has Gemma2Config's default.
    auto cap = [&](const char* key, double fallback) {
        auto it = j.find(key);
        if (it != j.end() && it->is_null()) return 0.0;
        return r.positiveDouble(key, fallback);
    };
    c.attnLogitSoftcap = cap("attn_logit_softcapping", 50.0);
    c.finalLogitSoftcap = cap("final_logit_softcapping", 30.0);
    // Even layers (0, 2, ...) attend the last sliding_window keys; transformers
    // 4.48 eager cannot run without a window (null), so neither do we.
    const auto window = j.find("sliding_window");
    if (window != j.end() && window->is_null()) {
        r.unsupported("sliding_window null is not supported for gemma2 (its even layers need a window)");
        return;
    }
    c.slidingWindow = r.optionalSize("sliding_window", 4096);
    if (*c.slidingWindow <= 0) {
        r.fail("sliding_window must be positive");
        return;
    }
    c.layerKinds.clear();
    for (int l = 0; l < std::max(c.nLayers, 0); ++l) {
        c.layerKinds.push_back(l % 2 == 0 ? LayerKind::causalWindow(*c.slidingWindow) : LayerKind::global());
    }
    readRopeScaling(j, r, c);
}

}  // namespace

ArchitectureInfo gemma2Architecture() {
    ArchitectureInfo a{
        .architecture = Architecture::Gemma2,
        .modelTypes = {"gemma2"},
        .bidirectional = false,
        .positions = PositionScheme::Rotary,
        .names = gemma2Names,
        .tensors = gemma2Tensors,
        .create = GemmaModel::create,
        .readConfig = readGemma2Config,
    };
    a.presets = {
        // 2 layers: layer 0 local (window 3), layer 1 global; 2 query heads
        // sharing 1 kv head; head_dim 6 and query_pre_attn_scalar 8; caps
        // small enough to bite on random weights.
        {"tiny-gemma2",
         R"({"model_type":"gemma2","architectures":["Gemma2ForCausalLM"],"hidden_size":8,"num_hidden_layers":2,"num_attention_heads":2,"num_key_value_heads":1,"head_dim":6,"intermediate_size":16,"hidden_activation":"gelu_pytorch_tanh","max_position_embeddings":64,"rms_norm_eps":1e-06,"rope_theta":10000.0,"query_pre_attn_scalar":8,"sliding_window":3,"attn_logit_softcapping":5.0,"final_logit_softcapping":3.0,"attention_bias":false,"vocab_size":50})"},
        // google/gemma-2-2b.
        {"gemma2-2b",
         R"({"model_type":"gemma2","architectures":["Gemma2ForCausalLM"],"hidden_size":2304,"num_hidden_layers":26,"num_attention_heads":8,"num_key_value_heads":4,"head_dim":256,"intermediate_size":9216,"hidden_act":"gelu_pytorch_tanh","hidden_activation":"gelu_pytorch_tanh","max_position_embeddings":8192,"rms_norm_eps":1e-06,"rope_theta":10000.0,"query_pre_attn_scalar":256,"sliding_window":4096,"attn_logit_softcapping":50.0,"final_logit_softcapping":30.0,"attention_bias":false,"attention_dropout":0.0,"cache_implementation":"hybrid","bos_token_id":2,"eos_token_id":1,"pad_token_id":0,"vocab_size":256000})"},
    };
    return a;
}

}  // namespace attnviz::core
