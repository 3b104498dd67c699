// The GGUF column of each family's tensor table, and the metadata keys each
// GGUF architecture stores its hyper-parameters under (llama.cpp's
// gguf-py constants: LLM_KV_* and MODEL_TENSOR names).
#include "gguf_architectures.h"

#include "../message_text.h"

#include <algorithm>

namespace attnviz::core {
namespace {

using R = TensorRole;
using nlohmann::json;

// Reads `<arch>.<key>` into out[field] when present; required keys fail
// with the file and the key named.
class MetadataReader {
public:
    MetadataReader(const GgufFile& file, std::string arch, json& out)
        : m_file(file), m_arch(std::move(arch)), m_out(out) {}

    Status integer(const std::string& key, const char* field, bool required) {
        auto v = m_file.integer(m_arch + "." + key);
        if (!v) return v.takeError();
        if (!v->has_value()) return required ? missing(key) : Status::success();
        m_out[field] = **v;
        return Status::success();
    }
    Status number(const std::string& key, const char* field, bool required) {
        auto v = m_file.number(m_arch + "." + key);
        if (!v) return v.takeError();
        if (!v->has_value()) return required ? missing(key) : Status::success();
        m_out[field] = **v;
        return Status::success();
    }
    bool has(const std::string& key) const { return m_file.find(m_arch + "." + key) != nullptr; }

private:
    Error missing(const std::string& key) const {
        return makeError(ErrorCode::CorruptFile, "'" + m_file.path().string() + "': metadata \"" + m_arch + "." + key +
                                                     "\" is missing (needed for architecture " + m_arch + ")");
    }
    const GgufFile& m_file;
    std::string m_arch;
    json& m_out;
};

#define ATTNVIZ_TRY(expr)                     \
    do {                                      \
        if (Status st_ = (expr); !st_) return st_; \
    } while (false)

// The sizes every decoder stores.
Status standardSizes(MetadataReader& m) {
    ATTNVIZ_TRY(m.integer("block_count", "num_hidden_layers", true));
    ATTNVIZ_TRY(m.integer("embedding_length", "hidden_size", true));
    ATTNVIZ_TRY(m.integer("feed_forward_length", "intermediate_size", true));
    ATTNVIZ_TRY(m.integer("attention.head_count", "num_attention_heads", true));
    ATTNVIZ_TRY(m.integer("context_length", "max_position_embeddings", false));
    return Status::success();
}

Status rotaryDecoder(const GgufFile& f, const std::string& arch, json& out) {
    MetadataReader m(f, arch, out);
    ATTNVIZ_TRY(standardSizes(m));
    ATTNVIZ_TRY(m.integer("attention.head_count_kv", "num_key_value_heads", false));
    ATTNVIZ_TRY(m.integer("attention.key_length", "head_dim", false));
    ATTNVIZ_TRY(m.number("rope.freq_base", "rope_theta", false));
    ATTNVIZ_TRY(m.number("attention.layer_norm_rms_epsilon", "rms_norm_eps", true));
    if (m.has("attention.value_length") && m.has("attention.key_length")) {
        auto k = f.integer(arch + ".attention.key_length");
        auto v = f.integer(arch + ".attention.value_length");
        if (k && v && **k != **v) {
            return makeError(ErrorCode::Unsupported, "'" + f.path().string() + "': key_length " +
                                                         std::to_string(**k) + " differs from value_length " +
                                                         std::to_string(**v) + "; attnviz needs them equal");
        }
    }
    auto scaling = f.string(arch + ".rope.scaling.type");
    if (!scaling) return scaling.takeError();
    if (scaling->has_value() && **scaling != "none") {
        if (**scaling != "linear") {
            return makeError(ErrorCode::Unsupported, "'" + f.path().string() + "': metadata \"" + arch +
                                                         ".rope.scaling.type\" is " + quotedForMessage(**scaling) +
                                                         "; attnviz supports none and linear");
        }
        auto factor = f.number(arch + ".rope.scaling.factor");
        if (!factor) return factor.takeError();
        out["rope_scaling"] = {{"rope_type", "linear"}, {"factor", factor->value_or(1.0)}};
    }
    return Status::success();
}

Status llamaConfig(const GgufFile& f, const std::string& arch, json& out) {
    ATTNVIZ_TRY(rotaryDecoder(f, arch, out));
    out["hidden_act"] = "silu";
    return Status::success();
}

Status gemmaConfig(const GgufFile& f, const std::string& arch, json& out) {
    ATTNVIZ_TRY(rotaryDecoder(f, arch, out));
    out["hidden_activation"] = "gelu_pytorch_tanh";
    if (arch == "gemma2") {
        MetadataReader m(f, arch, out);
        ATTNVIZ_TRY(m.number("attn_logit_softcapping", "attn_logit_softcapping", false));
        ATTNVIZ_TRY(m.number("final_logit_softcapping", "final_logit_softcapping", false));
        ATTNVIZ_TRY(m.integer("attention.sliding_window", "sliding_window", false));
        // The file has no query_pre_attn_scalar; llama.cpp scales queries
        // by key_length^-0.5, except for the 46-layer 27B model, where it
        // uses (embedding_length / head_count)^-0.5, as its HF config does.
        if (out.value("num_hidden_layers", 0) == 46 && out.value("num_attention_heads", 0) > 0) {
            out["query_pre_attn_scalar"] = out.value("hidden_size", 0) / out.value("num_attention_heads", 1);
        } else if (out.contains("head_dim")) {
            out["query_pre_attn_scalar"] = out["head_dim"];
        }
    }
    return Status::success();
}

Status phi3Config(const GgufFile& f, const std::string& arch, json& out) {
    ATTNVIZ_TRY(rotaryDecoder(f, arch, out));
    out["hidden_act"] = "silu";
    MetadataReader m(f, arch, out);
    // 0 marks "no window" (Phi-4).
    auto window = f.integer(arch + ".attention.sliding_window");
    if (!window) return window.takeError();
    if (window->has_value() && **window > 0) out["sliding_window"] = **window;
    if (m.has("rope.scaling.original_context_length") || f.tensor("rope_factors_long.weight")) {
        return makeError(ErrorCode::Unsupported, "'" + f.path().string() +
                                                     "': Phi-3 long-context rope scaling (rope_factors_long) is not "
                                                     "supported yet");
    }
    return Status::success();
}

Status gpt2Config(const GgufFile& f, const std::string& arch, json& out) {
    MetadataReader m(f, arch, out);
    ATTNVIZ_TRY(m.integer("block_count", "n_layer", true));
    ATTNVIZ_TRY(m.integer("embedding_length", "n_embd", true));
    ATTNVIZ_TRY(m.integer("feed_forward_length", "n_inner", false));
    ATTNVIZ_TRY(m.integer("attention.head_count", "n_head", true));
    ATTNVIZ_TRY(m.integer("context_length", "n_positions", true));
    ATTNVIZ_TRY(m.number("attention.layer_norm_epsilon", "layer_norm_epsilon", true));
    out["activation_function"] = "gelu_new";
    return Status::success();
}

Status gptNeoXConfig(const GgufFile& f, const std::string& arch, json& out) {
    MetadataReader m(f, arch, out);
    ATTNVIZ_TRY(standardSizes(m));
    ATTNVIZ_TRY(m.number("attention.layer_norm_epsilon", "layer_norm_eps", true));
    ATTNVIZ_TRY(m.number("rope.freq_base", "rotary_emb_base", false));
    auto parallel = f.boolean(arch + ".use_parallel_residual");
    if (!parallel) return parallel.takeError();
    out["use_parallel_residual"] = parallel->value_or(true);
    // rope.dimension_count = rotary_pct x head size, as the converter writes it.
    auto dims = f.integer(arch + ".rope.dimension_count");
    if (!dims) return dims.takeError();
    const int heads = out.value("num_attention_heads", 0), width = out.value("hidden_size", 0);
    if (dims->has_value() && heads > 0 && width % heads == 0 && **dims > 0) {
        out["rotary_pct"] = static_cast<double>(**dims) / static_cast<double>(width / heads);
    }
    out["hidden_act"] = "gelu";
    return Status::success();
}

// BERT (BertModel in convert_hf_to_gguf.py): encoder only, no pooler and no
// masked-LM head; epsilon under attention.layer_norm_epsilon; the number of
// token types is the row count of token_types.weight.
Status bertConfig(const GgufFile& f, const std::string& arch, json& out) {
    MetadataReader m(f, arch, out);
    ATTNVIZ_TRY(standardSizes(m));
    if (!out.contains("max_position_embeddings")) {
        const GgufTensorInfo* pos = f.tensor("position_embd.weight");
        if (!pos || pos->ne.size() != 2) {
            return makeError(ErrorCode::CorruptFile, "'" + f.path().string() + "': metadata \"" + arch +
                                                         ".context_length\" and tensor 'position_embd.weight' are "
                                                         "missing");
        }
        out["max_position_embeddings"] = pos->ne[1];
    }
    ATTNVIZ_TRY(m.number("attention.layer_norm_epsilon", "layer_norm_eps", true));
    auto causal = f.boolean(arch + ".attention.causal");
    if (!causal) return causal.takeError();
    if (causal->value_or(false)) {
        return makeError(ErrorCode::Unsupported, "'" + f.path().string() + "': metadata \"" + arch +
                                                     ".attention.causal\" is true; attnviz runs BERT files "
                                                     "bidirectionally, as the converter writes them");
    }
    if (const GgufTensorInfo* types = f.tensor("token_types.weight")) {
        if (types->ne.size() != 2) {
            return makeError(ErrorCode::CorruptFile, "'" + f.path().string() + "': tensor 'token_types.weight' is not 2-D");
        }
        out["type_vocab_size"] = types->ne[1];
    } else {
        auto count = f.integer("tokenizer.ggml.token_type_count");
        if (!count) return count.takeError();
        out["type_vocab_size"] = count->value_or(0);
    }
    auto pad = f.integer("tokenizer.ggml.padding_token_id");
    if (!pad) return pad.takeError();
    if (pad->has_value() && **pad >= 0 && **pad < 0xFFFFFFFFll) out["pad_token_id"] = **pad;
    out["hidden_act"] = "gelu";  // the converter stores none; llama.cpp runs BERT with GELU
    return Status::success();
}

std::map<R, GgufTensorName> bertTensorNames() {
    return {
        {R::TokenEmbedding, {"token_embd.weight"}},
        {R::TypeEmbedding, {"token_types.weight"}},
        {R::PositionEmbedding, {"position_embd.weight"}},
        {R::EmbedNormWeight, {"token_embd_norm.weight"}},
        {R::EmbedNormBias, {"token_embd_norm.bias"}},
        {R::AttnQWeight, {"blk.{L}.attn_q.weight"}},
        {R::AttnQBias, {"blk.{L}.attn_q.bias"}},
        {R::AttnKWeight, {"blk.{L}.attn_k.weight"}},
        {R::AttnKBias, {"blk.{L}.attn_k.bias"}},
        {R::AttnVWeight, {"blk.{L}.attn_v.weight"}},
        {R::AttnVBias, {"blk.{L}.attn_v.bias"}},
        {R::AttnOutWeight, {"blk.{L}.attn_output.weight"}},
        {R::AttnOutBias, {"blk.{L}.attn_output.bias"}},
        {R::AttnOutNormWeight, {"blk.{L}.attn_output_norm.weight"}},
        {R::AttnOutNormBias, {"blk.{L}.attn_output_norm.bias"}},
        {R::FfnUpWeight, {"blk.{L}.ffn_up.weight"}},
        {R::FfnUpBias, {"blk.{L}.ffn_up.bias"}},
        {R::FfnDownWeight, {"blk.{L}.ffn_down.weight"}},
        {R::FfnDownBias, {"blk.{L}.ffn_down.bias"}},
        {R::FfnOutNormWeight, {"blk.{L}.layer_output_norm.weight"}},
        {R::FfnOutNormBias, {"blk.{L}.layer_output_norm.bias"}},
    };
}

std::vector<R> bertDroppedRoles() {
    return {R::PoolerWeight,  R::PoolerBias,   R::MlmTransformWeight, R::MlmTransformBias, R::MlmNormWeight,
            R::MlmNormBias,   R::LmHeadWeight, R::LmHeadBias,         R::LmHeadBiasCopy,   R::PositionIds};
}

std::map<R, GgufTensorName> gptNeoXTensorNames() {
    return {
        {R::TokenEmbedding, {"token_embd.weight"}},
        {R::AttnNormWeight, {"blk.{L}.attn_norm.weight"}},
        {R::AttnNormBias, {"blk.{L}.attn_norm.bias"}},
        {R::AttnQkvWeight, {"blk.{L}.attn_qkv.weight", GgufRowOrder::NeoxQkv}},
        {R::AttnQkvBias, {"blk.{L}.attn_qkv.bias", GgufRowOrder::NeoxQkv}},
        {R::AttnOutWeight, {"blk.{L}.attn_output.weight"}},
        {R::AttnOutBias, {"blk.{L}.attn_output.bias"}},
        {R::FfnNormWeight, {"blk.{L}.ffn_norm.weight"}},
        {R::FfnNormBias, {"blk.{L}.ffn_norm.bias"}},
        {R::FfnUpWeight, {"blk.{L}.ffn_up.weight"}},
        {R::FfnUpBias, {"blk.{L}.ffn_up.bias"}},
        {R::FfnDownWeight, {"blk.{L}.ffn_down.weight"}},
        {R::FfnDownBias, {"blk.{L}.ffn_down.bias"}},
        {R::FinalNormWeight, {"output_norm.weight"}},
        {R::FinalNormBias, {"output_norm.bias"}},
        {R::LmHeadWeight, {"output.weight"}},
    };
}

std::map<R, GgufTensorName> llamaTensorNames(bool permuted) {
    const GgufRowOrder qk = permuted ? GgufRowOrder::LlamaRope : GgufRowOrder::Same;
    return {
        {R::TokenEmbedding, {"token_embd.weight"}},
        {R::AttnNormWeight, {"blk.{L}.attn_norm.weight"}},
        {R::AttnQWeight, {"blk.{L}.attn_q.weight", qk}},
        {R::AttnQBias, {"blk.{L}.attn_q.bias", qk}},
        {R::AttnKWeight, {"blk.{L}.attn_k.weight", qk}},
        {R::AttnKBias, {"blk.{L}.attn_k.bias", qk}},
        {R::AttnVWeight, {"blk.{L}.attn_v.weight"}},
        {R::AttnVBias, {"blk.{L}.attn_v.bias"}},
        {R::AttnOutWeight, {"blk.{L}.attn_output.weight"}},
        {R::AttnOutBias, {"blk.{L}.attn_output.bias"}},
        {R::FfnNormWeight, {"blk.{L}.ffn_norm.weight"}},
        {R::FfnGateWeight, {"blk.{L}.ffn_gate.weight"}},
        {R::FfnUpWeight, {"blk.{L}.ffn_up.weight"}},
        {R::FfnDownWeight, {"blk.{L}.ffn_down.weight"}},
        {R::FinalNormWeight, {"output_norm.weight"}},
        {R::LmHeadWeight, {"output.weight"}},
    };
}

std::map<R, GgufTensorName> gemmaTensorNames(bool gemma2) {
    auto t = llamaTensorNames(false);
    for (R norm : {R::AttnNormWeight, R::FfnNormWeight, R::FinalNormWeight}) t[norm].addToValues = -1.0f;
    if (gemma2) {
        t[R::AttnOutNormWeight] = {"blk.{L}.post_attention_norm.weight", GgufRowOrder::Same, -1.0f};
        t[R::FfnOutNormWeight] = {"blk.{L}.post_ffw_norm.weight", GgufRowOrder::Same, -1.0f};
    }
    return t;
}

std::map<R, GgufTensorName> phi3TensorNames() {
    return {
        {R::TokenEmbedding, {"token_embd.weight"}},
        {R::AttnNormWeight, {"blk.{L}.attn_norm.weight"}},
        {R::AttnQkvWeight, {"blk.{L}.attn_qkv.weight"}},
        {R::AttnOutWeight, {"blk.{L}.attn_output.weight"}},
        {R::FfnNormWeight, {"blk.{L}.ffn_norm.weight"}},
        {R::FfnGateUpWeight, {"blk.{L}.ffn_up.weight"}},  // [gate | up] rows, as Phi-3's gate_up_proj
        {R::FfnDownWeight, {"blk.{L}.ffn_down.weight"}},
        {R::FinalNormWeight, {"output_norm.weight"}},
        {R::LmHeadWeight, {"output.weight"}},
    };
}

std::map<R, GgufTensorName> gpt2TensorNames() {
    const GgufRowOrder t = GgufRowOrder::Transposed;
    return {
        {R::TokenEmbedding, {"token_embd.weight"}},
        {R::PositionEmbedding, {"position_embd.weight"}},
        {R::AttnNormWeight, {"blk.{L}.attn_norm.weight"}},
        {R::AttnNormBias, {"blk.{L}.attn_norm.bias"}},
        {R::AttnQkvWeight, {"blk.{L}.attn_qkv.weight", t}},
        {R::AttnQkvBias, {"blk.{L}.attn_qkv.bias"}},
        {R::AttnOutWeight, {"blk.{L}.attn_output.weight", t}},
        {R::AttnOutBias, {"blk.{L}.attn_output.bias"}},
        {R::FfnNormWeight, {"blk.{L}.ffn_norm.weight"}},
        {R::FfnNormBias, {"blk.{L}.ffn_norm.bias"}},
        {R::FfnUpWeight, {"blk.{L}.ffn_up.weight", t}},
        {R::FfnUpBias, {"blk.{L}.ffn_up.bias"}},
        {R::FfnDownWeight, {"blk.{L}.ffn_down.weight", t}},
        {R::FfnDownBias, {"blk.{L}.ffn_down.bias"}},
        {R::FinalNormWeight, {"output_norm.weight"}},
        {R::FinalNormBias, {"output_norm.bias"}},
        {R::LmHeadWeight, {"output.weight"}},
    };
}

const std::vector<GgufArchitecture>& table() {
    static const std::vector<GgufArchitecture> t = {
        // llama.cpp converts Llama and Mistral files to "llama", with its
        // Q/K permutation; Qwen2 runs NEOX-style RoPE and is not permuted.
        {"llama", "llama", llamaTensorNames(true), {}, llamaConfig},
        {"qwen2", "qwen2", llamaTensorNames(false), {}, llamaConfig},
        {"gemma", "gemma", gemmaTensorNames(false), {}, gemmaConfig},
        {"gemma2", "gemma2", gemmaTensorNames(true), {}, gemmaConfig},
        {"phi3", "phi3", phi3TensorNames(), {}, phi3Config},
        {"gpt2", "gpt2", gpt2TensorNames(), {}, gpt2Config},
        // Pythia; the converter regroups the fused q/k/v rows.
        {"gptneox", "gpt_neox", gptNeoXTensorNames(), {}, gptNeoXConfig},
        {"bert", "bert", bertTensorNames(), bertDroppedRoles(), bertConfig},
    };
    return t;
}

}  // namespace

const GgufArchitecture* findGgufArchitecture(const std::string& name) {
    for (const auto& a : table()) {
        if (a.name == name) return &a;
    }
    return nullptr;
}

std::vector<std::string> ggufArchitectureNames() {
    std::vector<std::string> out;
    for (const auto& a : table()) out.push_back(a.name);
    return out;
}

}  // namespace attnviz::core
