#include "seq2seq_random.h"

#include "../models/architecture_tensors.h"

#include <random>

namespace attnviz::core {

namespace {

// The tensor list of a random model: name, shape and how it is drawn.
struct RandomTensor {
    std::string name;
    std::vector<std::int64_t> shape;
    TensorInit init;
    float std = 0.0f;  // > 0: N(0, std) regardless of the init kind (relative position tables)
};

void addT5Attention(std::vector<RandomTensor>& out, const std::string& base, std::int64_t d, std::int64_t inner) {
    out.push_back({base + ".q.weight", {inner, d}, TensorInit::QkWeight});
    out.push_back({base + ".k.weight", {inner, d}, TensorInit::QkWeight});
    out.push_back({base + ".v.weight", {inner, d}, TensorInit::Weight});
    out.push_back({base + ".o.weight", {d, inner}, TensorInit::Weight});
}

void addT5FeedForward(std::vector<RandomTensor>& out, const std::string& base, const Seq2SeqConfig& c, std::int64_t dFF) {
    const std::int64_t d = c.dModel;
    if (c.gatedFeedForward) {
        out.push_back({base + ".DenseReluDense.wi_0.weight", {dFF, d}, TensorInit::Weight});
        out.push_back({base + ".DenseReluDense.wi_1.weight", {dFF, d}, TensorInit::Weight});
    } else {
        out.push_back({base + ".DenseReluDense.wi.weight", {dFF, d}, TensorInit::Weight});
    }
    out.push_back({base + ".DenseReluDense.wo.weight", {d, dFF}, TensorInit::Weight});
}

std::vector<RandomTensor> t5Tensors(const Seq2SeqConfig& c) {
    // Trained T5 position tables hold values of a few units; N(0, 1) lets
    // them shape the attention as they do there.
    constexpr float kRelativeBiasStd = 1.0f;
    const std::int64_t d = c.dModel;
    std::vector<RandomTensor> out{{"shared.weight", {c.vocabSize, d}, TensorInit::Weight}};
    for (const char* stack : {"encoder", "decoder"}) {
        const bool decoder = std::string(stack) == "decoder";
        const StackConfig& s = decoder ? c.decoder : c.encoder;
        const std::int64_t inner = static_cast<std::int64_t>(s.nHeads) * s.headDim;
        for (int l = 0; l < s.nLayers; ++l) {
            const std::string b = std::string(stack) + ".block." + std::to_string(l) + ".layer.";
            out.push_back({b + "0.layer_norm.weight", {d}, TensorInit::Gain});
            addT5Attention(out, b + "0.SelfAttention", d, inner);
            if (l == 0) {
                out.push_back({b + "0.SelfAttention.relative_attention_bias.weight", {c.relativeBuckets, s.nHeads},
                               TensorInit::Weight, kRelativeBiasStd});
            }
            if (decoder) {
                out.push_back({b + "1.layer_norm.weight", {d}, TensorInit::Gain});
                addT5Attention(out, b + "1.EncDecAttention", d, inner);
            }
            const std::string ffn = b + (decoder ? "2" : "1");
            out.push_back({ffn + ".layer_norm.weight", {d}, TensorInit::Gain});
            addT5FeedForward(out, ffn, c, s.dFF);
        }
        out.push_back({std::string(stack) + ".final_layer_norm.weight", {d}, TensorInit::Gain});
    }
    if (!c.tieWordEmbeddings) out.push_back({"lm_head.weight", {c.vocabSize, d}, TensorInit::Weight});
    return out;
}

void addBartAttention(std::vector<RandomTensor>& out, const std::string& base, std::int64_t d) {
    for (const char* p : {"q_proj", "k_proj", "v_proj", "out_proj"}) {
        const bool qk = std::string(p) == "q_proj" || std::string(p) == "k_proj";
        out.push_back({base + "." + p + ".weight", {d, d}, qk ? TensorInit::QkWeight : TensorInit::Weight});
        out.push_back({base + "." + p + ".bias", {d}, TensorInit::Bias});
    }
}

void addNorm(std::vector<RandomTensor>& out, const std::string& base, std::int64_t d) {
    out.push_back({base + ".weight", {d}, TensorInit::Gain});
    out.push_back({base + ".bias", {d}, TensorInit::Bias});
}

std::vector<RandomTensor> bartTensors(const Seq2SeqConfig& c) {
    const std::int64_t d = c.dModel;
    const bool marian = c.architecture == Seq2SeqArchitecture::Marian;
    std::vector<RandomTensor> out{{"model.shared.weight", {c.vocabSize, d}, TensorInit::Weight}};
    for (const char* stack : {"encoder", "decoder"}) {
        const bool decoder = std::string(stack) == "decoder";
        const StackConfig& s = decoder ? c.decoder : c.encoder;
        const std::string m = std::string("model.") + stack;
        if (!marian) {
            out.push_back({m + ".embed_positions.weight", {c.maxPositions + 2, d}, TensorInit::Weight});
            addNorm(out, m + ".layernorm_embedding", d);
        }
        for (int l = 0; l < s.nLayers; ++l) {
            const std::string b = m + ".layers." + std::to_string(l) + ".";
            addBartAttention(out, b + "self_attn", d);
            addNorm(out, b + "self_attn_layer_norm", d);
            if (decoder) {
                addBartAttention(out, b + "encoder_attn", d);
                addNorm(out, b + "encoder_attn_layer_norm", d);
            }
            out.push_back({b + "fc1.weight", {s.dFF, d}, TensorInit::Weight});
            out.push_back({b + "fc1.bias", {s.dFF}, TensorInit::Bias});
            out.push_back({b + "fc2.weight", {d, s.dFF}, TensorInit::Weight});
            out.push_back({b + "fc2.bias", {d}, TensorInit::Bias});
            addNorm(out, b + "final_layer_norm", d);
        }
    }
    out.push_back({"final_logits_bias", {1, c.vocabSize}, TensorInit::Bias});
    return out;
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& seq2seqPresets() {
    static const std::vector<std::pair<std::string, std::string>> presets = {
        {"tiny-t5", R"({"model_type":"t5","d_model":16,"d_kv":4,"d_ff":32,"num_layers":2,"num_decoder_layers":2,"num_heads":4,"relative_attention_num_buckets":8,"relative_attention_max_distance":16,"feed_forward_proj":"relu","vocab_size":60,"pad_token_id":0,"eos_token_id":1,"decoder_start_token_id":0,"tie_word_embeddings":true})"},
        {"tiny-flan-t5", R"({"model_type":"t5","d_model":16,"d_kv":8,"d_ff":24,"num_layers":2,"num_decoder_layers":3,"num_heads":2,"relative_attention_num_buckets":8,"relative_attention_max_distance":16,"feed_forward_proj":"gated-gelu","vocab_size":60,"pad_token_id":0,"eos_token_id":1,"decoder_start_token_id":0,"tie_word_embeddings":false})"},
        {"tiny-bart", R"({"model_type":"bart","d_model":16,"encoder_layers":2,"decoder_layers":2,"encoder_attention_heads":4,"decoder_attention_heads":2,"encoder_ffn_dim":32,"decoder_ffn_dim":32,"activation_function":"gelu","max_position_embeddings":64,"scale_embedding":false,"vocab_size":60,"pad_token_id":1,"bos_token_id":0,"eos_token_id":2,"decoder_start_token_id":2})"},
        {"tiny-marian", R"({"model_type":"marian","d_model":16,"encoder_layers":2,"decoder_layers":2,"encoder_attention_heads":2,"decoder_attention_heads":4,"encoder_ffn_dim":32,"decoder_ffn_dim":32,"activation_function":"swish","max_position_embeddings":64,"scale_embedding":true,"vocab_size":60,"pad_token_id":59,"eos_token_id":0,"decoder_start_token_id":59})"},
        // Real shapes (t5-base, google/flan-t5-base, facebook/bart-base,
        // Helsinki-NLP/opus-mt-en-de config.json values) for benchmarks.
        {"t5-base", R"({"model_type":"t5","d_model":768,"d_kv":64,"d_ff":3072,"num_layers":12,"num_decoder_layers":12,"num_heads":12,"relative_attention_num_buckets":32,"relative_attention_max_distance":128,"feed_forward_proj":"relu","vocab_size":32128,"pad_token_id":0,"eos_token_id":1,"decoder_start_token_id":0,"tie_word_embeddings":true})"},
        {"flan-t5-base", R"({"model_type":"t5","d_model":768,"d_kv":64,"d_ff":2048,"num_layers":12,"num_decoder_layers":12,"num_heads":12,"relative_attention_num_buckets":32,"relative_attention_max_distance":128,"feed_forward_proj":"gated-gelu","vocab_size":32128,"pad_token_id":0,"eos_token_id":1,"decoder_start_token_id":0,"tie_word_embeddings":false})"},
        {"bart-base", R"({"model_type":"bart","d_model":768,"encoder_layers":6,"decoder_layers":6,"encoder_attention_heads":12,"decoder_attention_heads":12,"encoder_ffn_dim":3072,"decoder_ffn_dim":3072,"activation_function":"gelu","max_position_embeddings":1024,"scale_embedding":false,"vocab_size":50265,"pad_token_id":1,"bos_token_id":0,"eos_token_id":2,"decoder_start_token_id":2})"},
        {"marian-en-de", R"({"model_type":"marian","d_model":512,"encoder_layers":6,"decoder_layers":6,"encoder_attention_heads":8,"decoder_attention_heads":8,"encoder_ffn_dim":2048,"decoder_ffn_dim":2048,"activation_function":"swish","max_position_embeddings":512,"scale_embedding":true,"vocab_size":58101,"pad_token_id":58100,"eos_token_id":0,"decoder_start_token_id":58100})"},
    };
    return presets;
}

Status randomSeq2SeqWeights(const Seq2SeqConfig& config, const RandomModelOptions& options, const WeightSink& sink) {
    const std::vector<RandomTensor> tensors =
        config.architecture == Seq2SeqArchitecture::T5 ? t5Tensors(config) : bartTensors(config);
    std::vector<SafetensorsWriter::Entry> entries;
    for (const RandomTensor& t : tensors) entries.push_back({t.name, options.dtype, t.shape});
    std::mt19937_64 rng(options.seed);
    return sink(entries, [&](std::size_t i, std::vector<float>& out) {
        std::normal_distribution<float> normal(0.0f, 1.0f);
        const RandomTensor& t = tensors[i];
        for (float& v : out) {
            const float z = normal(rng);
            if (t.std > 0) {
                v = t.std * z;
                continue;
            }
            switch (t.init) {
            case TensorInit::Weight:
            case TensorInit::Bias: v = options.weightStd * z; break;
            case TensorInit::QkWeight: v = options.qkScale * options.weightStd * z; break;
            case TensorInit::Gain: v = 1.0f + options.normGainStd * z; break;
            case TensorInit::None: v = 0.0f; break;
            }
        }
    });
}

}  // namespace attnviz::core
