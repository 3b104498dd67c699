#include "attnviz/core/trace_json.h"

#include "tokenizers/unicode_text.h"

#include <cmath>

namespace attnviz::core {

void appendJsonString(std::string& out, const std::string& text) {
    out += '"';
    // JSON is UTF-8: bytes that are not (a folder name, say) become U+FFFD.
    for (unsigned char c : unicode::toValidUtf8(text)) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    out += '"';
}

namespace {

// [T][T] of head (l, h): the probabilities, or the masked scores (null
// where masked).
void writeHeadRows(std::FILE* out, const AttentionTrace& trace, int l, int h, bool scores) {
    const int T = trace.seqLen();
    const HeadMatrix probs = scores ? HeadMatrix() : trace.headProbs(l, h);  // (seqLen, seqLen)
    for (int i = 0; i < T; ++i) {
        std::fputs(i ? ",[" : "[", out);
        for (int j = 0; j < T; ++j) {
            const float v = scores ? trace.maskedScore(l, h, i, j) : probs.data()[static_cast<std::size_t>(i) * T + j];
            if (j) std::fputc(',', out);
            if (std::isfinite(v)) std::fprintf(out, "%.9g", static_cast<double>(v));
            else std::fputs("null", out);
        }
        std::fputc(']', out);
    }
}

// One [L][H][T][T] array of the masked scores, -inf as null.
void writeScores(std::FILE* out, const AttentionTrace& trace) {
    std::fputc('[', out);
    for (int l = 0; l < trace.nLayers(); ++l) {
        std::fputs(l ? ",[" : "[", out);
        for (int h = 0; h < trace.nHeads(); ++h) {
            std::fputs(h ? ",[" : "[", out);
            writeHeadRows(out, trace, l, h, true);
            std::fputc(']', out);
        }
        std::fputc(']', out);
    }
    std::fputc(']', out);
}

}  // namespace

void writeAttentionArray(std::FILE* out, int nLayers, int nHeads, int rows, int cols,
                         const std::function<const float*(int layer, int head)>& probs) {
    std::fputc('[', out);
    for (int l = 0; l < nLayers; ++l) {
        std::fputs(l ? ",[" : "[", out);
        for (int h = 0; h < nHeads; ++h) {
            std::fputs(h ? ",[" : "[", out);
            const float* m = probs(l, h);
            for (int i = 0; i < rows; ++i) {
                std::fputs(i ? ",[" : "[", out);
                for (int j = 0; j < cols; ++j) {
                    const float v = m[static_cast<std::size_t>(i) * cols + j];
                    if (j) std::fputc(',', out);
                    if (std::isfinite(v)) std::fprintf(out, "%.9g", static_cast<double>(v));
                    else std::fputs("null", out);
                }
                std::fputc(']', out);
            }
            std::fputc(']', out);
        }
        std::fputc(']', out);
    }
    std::fputc(']', out);
}

void writeAttentionArray(std::FILE* out, const AttentionTrace& trace) {
    writeAttentionArray(out, trace.nLayers(), trace.nHeads(), trace.seqLen(), trace.seqLen(),
                        [&trace, held = HeadMatrix()](int l, int h) mutable {
                            held = trace.headProbs(l, h);  // kept until the next head is asked for
                            return held.data();
                        });
}

void appendLayerKindsJson(std::string& out, const AttentionTrace& trace) {
    out += ",\"layer_kinds\":[";
    for (int l = 0; l < trace.nLayers(); ++l) {
        if (l) out += ',';
        appendJsonString(out, trace.layerKind(l).toString());
    }
    out += "],\"global_tokens\":[";
    for (std::size_t i = 0; i < trace.globalTokens().size(); ++i) {
        out += (i ? "," : "") + std::to_string(trace.globalTokens()[i]);
    }
    out += ']';
}

bool writeTraceJson(std::FILE* out, const TraceJsonHeader& header, const AttentionTrace& trace, bool withScores,
                    const std::vector<std::pair<int, int>>* heads) {
    std::string head = "{\"model\":";
    appendJsonString(head, header.model);
    head += ",\"model_type\":";
    appendJsonString(head, header.modelType);
    head += ",\"mask\":";
    appendJsonString(head, header.requestedMask);
    head += ",\"effective_mask\":";
    appendJsonString(head, trace.mask().toString());
    head += ",\"mask_is_model_default\":";
    head += trace.maskIsModelDefault() ? "true" : "false";
    appendLayerKindsJson(head, trace);
    head += ",\"tokens\":[";
    for (std::size_t i = 0; i < trace.tokenIds.size(); ++i) {
        if (i) head += ',';
        head += "{\"id\":" + std::to_string(trace.tokenIds[i]) + ",\"text\":";
        appendJsonString(head, i < header.tokenTexts.size() ? header.tokenTexts[i] : std::string());
        head += '}';
    }
    head += "],\"token_type_ids\":";
    if (trace.tokenTypeIds.empty()) {
        head += "null";
    } else {
        head += '[';
        for (std::size_t i = 0; i < trace.tokenTypeIds.size(); ++i) {
            head += (i ? "," : "") + std::to_string(trace.tokenTypeIds[i]);
        }
        head += ']';
    }
    head += ",\"n_layers\":" + std::to_string(trace.nLayers()) + ",\"n_heads\":" + std::to_string(trace.nHeads()) +
            ",\"seq_len\":" + std::to_string(trace.seqLen());
    std::fputs(head.c_str(), out);
    if (heads != nullptr) {
        // Only the heads asked for, each with its own matrices.
        std::fputs(",\"heads\":[", out);
        for (std::size_t k = 0; k < heads->size(); ++k) {
            const auto [l, h] = (*heads)[k];
            std::fprintf(out, "%s{\"layer\":%d,\"head\":%d,\"attention\":[", k ? "," : "", l, h);
            writeHeadRows(out, trace, l, h, false);
            std::fputc(']', out);
            if (withScores && trace.hasScores()) {
                std::fputs(",\"scores\":[", out);
                writeHeadRows(out, trace, l, h, true);
                std::fputc(']', out);
            }
            std::fputc('}', out);
        }
        std::fputs("]}\n", out);
        return std::ferror(out) == 0;
    }
    std::fputs(",\"attention\":", out);
    writeAttentionArray(out, trace);
    if (withScores && trace.hasScores()) {
        std::fputs(",\"scores\":", out);
        writeScores(out, trace);
    }
    std::fputs("}\n", out);
    return std::ferror(out) == 0;
}

}  // namespace attnviz::core
