#include "attnviz/core/seq2seq_config.h"

#include "../json_file.h"
#include "../message_text.h"
#include "../models/config_reader.h"

#include <climits>

namespace attnviz::core {

namespace {

using json = nlohmann::json;


void requireKnownActivation(ConfigReader& r, const char* field, const std::string& name) {
    r.requireOneOf(field, name, {"relu", "gelu", "gelu_new", "gelu_pytorch_tanh", "silu", "swish"});
}

// T5 and T5 v1.1 / Flan-T5 (transformers' T5Config).
void readT5(ConfigReader& r, Seq2SeqConfig& c) {
    c.dModel = r.requiredSize("d_model");
    const int headDim = r.requiredSize("d_kv");
    const int heads = r.requiredSize("num_heads");
    const int dFF = r.requiredSize("d_ff");
    const int layers = r.requiredSize("num_layers");
    c.encoder = {layers, heads, headDim, dFF};
    c.decoder = {r.optionalSize("num_decoder_layers", layers), heads, headDim, dFF};
    c.relativeBuckets = r.optionalSize("relative_attention_num_buckets", 32);
    c.relativeMaxDistance = r.optionalSize("relative_attention_max_distance", 128);
    if (c.relativeBuckets < 4) r.fail("field \"relative_attention_num_buckets\" must be at least 4");
    c.normEps = r.positiveDouble("layer_norm_epsilon", 1e-6);
    // feed_forward_proj: "relu", "gelu", or "gated-<act>"; "gated-gelu" is
    // gelu_new (T5Config's rule).
    const std::string proj = r.optionalString("feed_forward_proj", "relu");
    const auto dash = proj.find('-');
    c.gatedFeedForward = dash != std::string::npos && proj.substr(0, dash) == "gated";
    if (dash != std::string::npos && !c.gatedFeedForward) {
        r.unsupported("feed_forward_proj " + quotedForMessage(proj) + " is not supported (relu, gelu, gated-gelu, gated-relu, gated-silu)");
    }
    c.activation = c.gatedFeedForward ? proj.substr(dash + 1) : proj;
    if (proj == "gated-gelu") c.activation = "gelu_new";
    requireKnownActivation(r, "feed_forward_proj", c.activation);
    c.tieWordEmbeddings = r.optionalBool("tie_word_embeddings", true);
    c.padTokenId = r.optionalInt("pad_token_id", 0);
    c.eosTokenId = r.optionalInt("eos_token_id", 1);
    c.decoderStartTokenId = r.optionalInt("decoder_start_token_id", c.padTokenId);
}

// BART and Marian (transformers' BartConfig / MarianConfig).
void readBartFamily(ConfigReader& r, Seq2SeqConfig& c, bool marian) {
    c.dModel = r.requiredSize("d_model");
    auto stack = [&](const char* layers, const char* heads, const char* ffn) {
        StackConfig s;
        s.nLayers = r.requiredSize(layers);
        s.nHeads = r.requiredSize(heads);
        s.dFF = r.requiredSize(ffn);
        if (s.nHeads > 0 && c.dModel % s.nHeads != 0) {
            r.fail(std::string("field \"") + heads + "\" (" + std::to_string(s.nHeads) + ") does not divide d_model (" +
                   std::to_string(c.dModel) + ")");
        }
        s.headDim = s.nHeads > 0 ? c.dModel / s.nHeads : 0;
        return s;
    };
    c.encoder = stack("encoder_layers", "encoder_attention_heads", "encoder_ffn_dim");
    c.decoder = stack("decoder_layers", "decoder_attention_heads", "decoder_ffn_dim");
    c.activation = r.optionalString("activation_function", marian ? "swish" : "gelu");
    requireKnownActivation(r, "activation_function", c.activation);
    c.maxPositions = r.requiredSize("max_position_embeddings");
    c.scaleEmbedding = r.optionalBool("scale_embedding", marian);
    c.normEps = 1e-5;  // nn.LayerNorm's default; the configs have no field for it
    c.tieWordEmbeddings = r.optionalBool("tie_word_embeddings", true);
    c.padTokenId = r.optionalInt("pad_token_id", 1);
    c.eosTokenId = r.optionalInt("eos_token_id", 2);
    c.bosTokenId = r.optionalInt("bos_token_id", -1);
    c.decoderStartTokenId = r.optionalInt("decoder_start_token_id", marian ? c.padTokenId : 2);
    if (marian) {
        if (!r.optionalBool("share_encoder_decoder_embeddings", true)) {
            r.unsupported("share_encoder_decoder_embeddings false (separate source and target vocabularies) is not supported");
        }
        const int decoderVocab = r.optionalSize("decoder_vocab_size", c.vocabSize);
        if (decoderVocab != c.vocabSize) r.unsupported("decoder_vocab_size differs from vocab_size");
    }
    if (r.optionalBool("normalize_before", false) || r.optionalBool("add_final_layer_norm", false)) {
        r.unsupported("pre-LN layers (normalize_before / add_final_layer_norm, mBART-style) are not supported");
    }
}

Result<Seq2SeqConfig> fromParsed(const json& j, const std::string& source) {
    if (!j.is_object()) return makeError(ErrorCode::CorruptFile, source + " is not a JSON object");
    auto mt = j.find("model_type");
    if (mt == j.end() || !mt->is_string()) {
        return makeError(ErrorCode::CorruptFile, source + ": missing required field \"model_type\"");
    }
    Seq2SeqConfig c;
    c.modelType = mt->get<std::string>();
    if (!Seq2SeqConfig::isSeq2SeqType(c.modelType)) {
        return makeError(ErrorCode::Unsupported, "model_type " + quotedForMessage(c.modelType) + " in " + source +
                                                     " is not an encoder-decoder type (t5, bart, marian)");
    }
    ConfigReader r(j, source, c.modelType);
    c.vocabSize = r.requiredSize("vocab_size");
    if (c.modelType == "t5") {
        c.architecture = Seq2SeqArchitecture::T5;
        readT5(r, c);
    } else {
        const bool marian = c.modelType == "marian";
        c.architecture = marian ? Seq2SeqArchitecture::Marian : Seq2SeqArchitecture::Bart;
        readBartFamily(r, c, marian);
    }
    for (const auto& [field, id] : {std::pair{"pad_token_id", c.padTokenId}, std::pair{"eos_token_id", c.eosTokenId},
                                   std::pair{"decoder_start_token_id", c.decoderStartTokenId}}) {
        if (id < 0 || id >= c.vocabSize) {
            if (std::string_view(field) == "eos_token_id" && id == -1) continue;
            r.fail(std::string("field \"") + field + "\" is " + std::to_string(id) + ", outside the vocabulary (" +
                   std::to_string(c.vocabSize) + " tokens)");
        }
    }
    if (r.error()) return *r.error();
    return c;
}

}  // namespace

int Seq2SeqConfig::maxSequenceLength() const {
    return architecture == Seq2SeqArchitecture::T5 ? INT_MAX : maxPositions;
}

bool Seq2SeqConfig::isSeq2SeqType(std::string_view modelType) {
    return modelType == "t5" || modelType == "bart" || modelType == "marian";
}

std::vector<std::string> Seq2SeqConfig::supportedTypes() { return {"bart", "marian", "t5"}; }

Result<Seq2SeqConfig> Seq2SeqConfig::fromJson(std::string_view text, const std::string& source) {
    auto j = parseJsonText(text, source);
    if (!j) return j.takeError();
    return oneLineError(fromParsed(*j, source));
}

Result<Seq2SeqConfig> Seq2SeqConfig::fromFile(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        return makeError(ErrorCode::Io, "no config.json in '" + path.parent_path().string() + "'");
    }
    auto j = readJsonFile(path);
    if (!j) return j.takeError();
    return oneLineError(fromParsed(*j, "'" + path.string() + "'"));
}

namespace {

std::string modelTypeOf(const Result<json>& j) {
    if (!j || !j->is_object()) return {};
    auto mt = j->find("model_type");
    return mt != j->end() && mt->is_string() ? mt->get<std::string>() : std::string();
}

}  // namespace

std::string folderModelType(const std::filesystem::path& dir) {
    std::error_code ec;
    const auto path = dir / "config.json";
    if (!std::filesystem::is_regular_file(path, ec)) return {};
    return modelTypeOf(readJsonFile(path));
}

std::string jsonModelType(std::string_view text) { return modelTypeOf(parseJsonText(text, "config")); }

}  // namespace attnviz::core
