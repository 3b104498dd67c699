// GPT-Neo (GPTNeoForCausalLM): a GPT-2-like pre-LN decoder with learned
// positions whose layers alternate between global causal attention and a
// causal local window, with no 1/sqrt(d) scaling of the scores. Everything
// about it but the forward pass (gpt_neo_model.cpp) is here.
#include "architectures.h"
#include "config_reader.h"
#include "gpt_neo_model.h"

namespace attnviz::core {
namespace {

using namespace tensor_table;

const WeightNameTable& gptNeoNames() {
    static const WeightNameTable t = [] {
        // GPT-2's names, with separate q/k/v (no biases) under attn.attention.
        WeightNameTable n = gpt2Names();
        n.body.erase(R::AttnQkvWeight);
        n.body.erase(R::AttnQkvBias);
        setBodyNames(n, {
            {R::AttnQWeight, "h.{L}.attn.attention.q_proj.weight"},
            {R::AttnKWeight, "h.{L}.attn.attention.k_proj.weight"},
            {R::AttnVWeight, "h.{L}.attn.attention.v_proj.weight"},
            {R::AttnOutWeight, "h.{L}.attn.attention.out_proj.weight"},
            {R::AttnOutBias, "h.{L}.attn.attention.out_proj.bias"},
            {R::AttnCausalMask, "h.{L}.attn.attention.bias"},
            {R::AttnMaskedBias, "h.{L}.attn.attention.masked_bias"},
        });
        return n;
    }();
    return t;
}

std::vector<TensorSpec> gptNeoTensors(const ModelConfig& c) {
    const std::int64_t d = c.dModel, f = c.dFF, v = c.vocabSize;
    // The LM head is wte (a stored copy is ignored) unless untied.
    const N lmHead = c.tieWordEmbeddings ? N::Ignored : N::Required;
    return {
        // role                 scope   shape                 need         init
        {R::TokenEmbedding,     kOnce,  {v, d},               N::Required, I::Weight},
        {R::PositionEmbedding,  kOnce,  {c.maxPositions, d},  N::Required, I::Weight},
        {R::AttnNormWeight,     kLayer, {d},                  N::Required, I::Gain},
        {R::AttnNormBias,       kLayer, {d},                  N::Required, I::Bias},
        // q/k/v have no bias; out_proj has one. nn.Linear: (out, in).
        {R::AttnQWeight,        kLayer, {d, d},               N::Required, I::QkWeight},
        {R::AttnKWeight,        kLayer, {d, d},               N::Required, I::QkWeight},
        {R::AttnVWeight,        kLayer, {d, d},               N::Required, I::Weight},
        {R::AttnOutWeight,      kLayer, {d, d},               N::Required, I::Weight},
        {R::AttnOutBias,        kLayer, {d},                  N::Required, I::Bias},
        {R::FfnNormWeight,      kLayer, {d},                  N::Required, I::Gain},
        {R::FfnNormBias,        kLayer, {d},                  N::Required, I::Bias},
        {R::FfnUpWeight,        kLayer, {f, d},               N::Required, I::Weight},
        {R::FfnUpBias,          kLayer, {f},                  N::Required, I::Bias},
        {R::FfnDownWeight,      kLayer, {d, f},               N::Required, I::Weight},
        {R::FfnDownBias,        kLayer, {d},                  N::Required, I::Bias},
        // Mask buffers older checkpoints store.
        {R::AttnCausalMask,     kLayer, {},                   N::Ignored,  I::None},
        {R::AttnMaskedBias,     kLayer, {},                   N::Ignored,  I::None},
        {R::FinalNormWeight,    kOnce,  {d},                  N::Required, I::Gain},
        {R::FinalNormBias,      kOnce,  {d},                  N::Required, I::Bias},
        {R::LmHeadWeight,       kOnce,  {v, d},               lmHead,      I::Weight},
    };
}

// One attention type per layer: "attention_layers" when given (transformers
// keeps it over the expansion), else "attention_types" [[[types...], n], ...]
// expanded (each list repeated n times).
std::vector<std::string> attentionLayers(const nlohmann::json& j, ConfigReader& r) {
    std::vector<std::string> layers;
    const auto listed = j.find("attention_layers");
    if (listed != j.end() && !listed->is_null()) {
        if (!listed->is_array()) {
            r.fail("\"attention_layers\" must be a list of \"global\" / \"local\"");
            return {};
        }
        for (const auto& t : *listed) {
            if (!t.is_string()) {
                r.fail("\"attention_layers\" must be a list of \"global\" / \"local\"");
                return {};
            }
            layers.push_back(t.get<std::string>());
        }
        return layers;
    }
    const auto types = j.find("attention_types");
    if (types == j.end() || types->is_null()) {
        // transformers' default: [[["global", "local"], 12]].
        for (int i = 0; i < 12; ++i) layers.insert(layers.end(), {"global", "local"});
        return layers;
    }
    const char* shape = "\"attention_types\" must be a list of [[\"global\" / \"local\", ...], count]";
    if (!types->is_array()) {
        r.fail(shape);
        return {};
    }
    for (const auto& item : *types) {
        if (!item.is_array() || item.size() != 2 || !item[0].is_array() || !item[1].is_number_integer() ||
            item[1].get<std::int64_t>() < 0 || item[1].get<std::int64_t>() > 4096) {
            r.fail(shape);
            return {};
        }
        for (std::int64_t n = 0; n < item[1].get<std::int64_t>(); ++n) {
            for (const auto& t : item[0]) {
                if (!t.is_string()) {
                    r.fail(shape);
                    return {};
                }
                layers.push_back(t.get<std::string>());
            }
        }
    }
    return layers;
}

void readGptNeoConfig(const nlohmann::json& j, ConfigReader& r, ModelConfig& c) {
    c.dModel = r.requiredSize("hidden_size");
    c.nLayers = r.requiredSize("num_layers");
    c.nHeads = r.requiredSize("num_heads");
    c.nKvHeads = c.nHeads;
    c.dFF = r.optionalSize("intermediate_size", 4 * c.dModel);  // null: 4 hidden_size
    c.maxPositions = r.optionalSize("max_position_embeddings", 2048);
    c.normEps = r.positiveDouble("layer_norm_epsilon", 1e-5);
    c.activation = r.optionalString("activation_function", "gelu_new");
    c.tieWordEmbeddings = r.optionalBool("tie_word_embeddings", true);
    r.requireOneOf("activation_function", c.activation, {"gelu_new", "gelu", "gelu_pytorch_tanh", "relu", "silu"},
                   "gelu_new, gelu, relu, silu");
    const int window = r.optionalSize("window_size", 256);
    const std::vector<std::string> layers = attentionLayers(j, r);
    if (r.error()) return;
    if (static_cast<int>(layers.size()) != c.nLayers) {
        r.fail("the attention types name " + std::to_string(layers.size()) + " layers but num_layers is " +
               std::to_string(c.nLayers));
        return;
    }
    for (const std::string& type : layers) {
        if (type == "global") {
            c.layerKinds.push_back(LayerKind::global());
        } else if (type == "local") {
            if (window <= 0) {
                r.fail("window_size must be positive");
                return;
            }
            // Query i sees keys i - window_size < j <= i.
            c.layerKinds.push_back(LayerKind::causalWindow(window));
        } else {
            r.unsupported("attention type " + quotedForMessage(type) + " is not supported (global, local)");
            return;
        }
    }
}

}  // namespace

ArchitectureInfo gptNeoArchitecture() {
    return {
        .architecture = Architecture::GptNeo,
        .modelTypes = {"gpt_neo"},
        .bidirectional = false,
        .positions = PositionScheme::Learned,
        .names = gptNeoNames,
        .tensors = gptNeoTensors,
        .create = GptNeoModel::create,
        .readConfig = readGptNeoConfig,
        .presets = {
            {"tiny-gpt-neo",
             R"({"model_type":"gpt_neo","architectures":["GPTNeoForCausalLM"],"hidden_size":8,"num_layers":2,"num_heads":2,"intermediate_size":16,"attention_types":[[["global","local"],1]],"attention_layers":["global","local"],"window_size":4,"max_position_embeddings":64,"activation_function":"gelu_new","layer_norm_epsilon":1e-05,"vocab_size":50,"bos_token_id":0,"eos_token_id":0})"},
            {"gpt-neo-125m",
             R"({"model_type":"gpt_neo","architectures":["GPTNeoForCausalLM"],"hidden_size":768,"num_layers":12,"num_heads":12,"intermediate_size":null,"attention_types":[[["global","local"],6]],"attention_layers":["global","local","global","local","global","local","global","local","global","local","global","local"],"window_size":256,"max_position_embeddings":2048,"activation_function":"gelu_new","layer_norm_epsilon":1e-05,"vocab_size":50257,"bos_token_id":50256,"eos_token_id":50256})"},
        },
    };
}

}  // namespace attnviz::core
