#include "attnviz/core/seq2seq_json.h"

#include "attnviz/core/trace_json.h"

namespace attnviz::core {

void appendTokenJson(std::string& out, std::int32_t id, const std::string& text) {
    out += "{\"id\":" + std::to_string(id) + ",\"text\":";
    appendJsonString(out, text);
    out += '}';
}

namespace {

void appendTokens(std::string& out, const char* key, const std::vector<Token>& tokens) {
    out += ",\"";
    out += key;
    out += "\":[";
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        if (i) out += ',';
        appendTokenJson(out, tokens[i].id, tokens[i].display);
    }
    out += ']';
}

}  // namespace

bool writeSeq2SeqJson(std::FILE* out, const Seq2SeqRunResult& result, const Seq2SeqSession& session) {
    const Seq2SeqTrace& t = result.trace;
    std::string head = "{\"model\":";
    appendJsonString(head, result.modelName);
    head += ",\"model_type\":";
    appendJsonString(head, result.modelType);
    head += ",\"encoder_mask\":";
    appendJsonString(head, t.encoder.mask().toString());
    head += ",\"decoder_mask\":";
    appendJsonString(head, t.decoder.mask().toString());
    head += ",\"n_layers\":{\"encoder\":" + std::to_string(t.encoder.nLayers()) +
            ",\"decoder\":" + std::to_string(t.decoder.nLayers()) + "}";
    head += ",\"n_heads\":{\"encoder\":" + std::to_string(t.encoder.nHeads()) +
            ",\"decoder\":" + std::to_string(t.decoder.nHeads()) + "}";
    head += ",\"source_len\":" + std::to_string(t.encoder.seqLen()) + ",\"target_len\":" + std::to_string(t.decoder.seqLen());
    appendTokens(head, "encoder_tokens", result.sourceTokens);
    appendTokens(head, "decoder_tokens", result.decoderTokens);
    if (result.generation) {
        head += ",\"generated\":[";
        const auto ids = result.generation->newIds();
        for (std::size_t i = 0; i < ids.size(); ++i) {
            if (i) head += ',';
            appendTokenJson(head, ids[i], session.targetText(ids[i]));
        }
        head += ']';
    }
    head += ",\"encoder_attention\":";
    std::fputs(head.c_str(), out);
    writeAttentionArray(out, t.encoder);
    std::fputs(",\"decoder_attention\":", out);
    writeAttentionArray(out, t.decoder);
    std::fputs(",\"cross_attention\":", out);
    writeAttentionArray(out, t.cross.nLayers(), t.cross.nHeads(), t.cross.rows(), t.cross.cols(),
                        [&](int l, int h) { return t.cross.probs(l, h); });
    std::fputs("}\n", out);
    return std::ferror(out) == 0;
}

}  // namespace attnviz::core
