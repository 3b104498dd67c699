#include "attnviz/core/explain_json.h"

#include "attnviz/core/trace_json.h"

namespace attnviz::core {
namespace {

void writeFloats(std::FILE* out, const float* v, std::size_t n) {
    std::fputc('[', out);
    for (std::size_t i = 0; i < n; ++i) {
        if (i > 0) std::fputc(',', out);
        std::fprintf(out, "%.9g", static_cast<double>(v[i]));
    }
    std::fputc(']', out);
}

void writeRows(std::FILE* out, const std::vector<float>& v, int rows) {
    const std::size_t cols = rows > 0 ? v.size() / static_cast<std::size_t>(rows) : 0;
    std::fputc('[', out);
    for (int r = 0; r < rows; ++r) {
        if (r > 0) std::fputc(',', out);
        writeFloats(out, v.data() + static_cast<std::size_t>(r) * cols, cols);
    }
    std::fputc(']', out);
}

void appendStrings(std::string& out, const std::vector<std::string>& strings) {
    out += '[';
    for (std::size_t i = 0; i < strings.size(); ++i) {
        if (i > 0) out += ',';
        appendJsonString(out, strings[i]);
    }
    out += ']';
}

}  // namespace

bool writeExplainJson(std::FILE* out, const ExplainJsonHeader& header, const ExplainedRow& r) {
    std::string head = "{\"model\":";
    appendJsonString(head, header.model);
    head += ",\"tokens\":";
    appendStrings(head, header.tokens);
    head += ",\"mask\":";
    appendJsonString(head, header.mask);
    if (!header.attention.empty()) {
        head += ",\"attention\":";
        appendJsonString(head, header.attention);
    }
    if (!header.queryTokens.empty()) {
        head += ",\"query_tokens\":";
        appendStrings(head, header.queryTokens);
    }
    head += ",\"layer\":" + std::to_string(r.layer) + ",\"head\":" + std::to_string(r.head) +
            ",\"query\":" + std::to_string(r.query) + ",\"kv_head\":" + std::to_string(r.kvHead) + ",\"scale_rule\":";
    appendJsonString(head, r.scaleRule);
    std::fputs(head.c_str(), out);
    std::fprintf(out, ",\"scale\":%.9g,\"softcap\":%.9g", static_cast<double>(r.scale), static_cast<double>(r.softcap));
    std::fputs(",\"x\":", out);
    writeFloats(out, r.x.data(), r.x.size());
    if (!r.qBeforeRope.empty()) {
        std::fputs(",\"q_before_rope\":", out);
        writeFloats(out, r.qBeforeRope.data(), r.qBeforeRope.size());
        std::fputs(",\"k_before_rope\":", out);
        writeRows(out, r.kBeforeRope, r.keys);
    }
    std::fputs(",\"q\":", out);
    writeFloats(out, r.q.data(), r.q.size());
    std::fputs(",\"k\":", out);
    writeRows(out, r.k, r.keys);
    std::fputs(",\"v\":", out);
    writeRows(out, r.v, r.keys);
    std::fputs(",\"scores\":", out);
    writeFloats(out, r.scores.data(), r.scores.size());
    std::fputs(",\"scaled\":", out);
    writeFloats(out, r.scaled.data(), r.scaled.size());
    if (!r.positionBias.empty()) {
        std::fputs(",\"position_bias\":", out);
        writeFloats(out, r.positionBias.data(), r.positionBias.size());
    }
    std::fputs(",\"masked\":[", out);
    for (int j = 0; j < r.keys; ++j) {
        if (j > 0) std::fputc(',', out);
        if (r.visible[j]) {
            std::fprintf(out, "%.9g", static_cast<double>(r.scaled[j]));
        } else {
            std::fputs("null", out);
        }
    }
    std::fputs("],\"probabilities\":", out);
    writeFloats(out, r.probabilities.data(), r.probabilities.size());
    std::fputs(",\"output\":", out);
    writeFloats(out, r.output.data(), r.output.size());
    std::fputs("}\n", out);
    return std::ferror(out) == 0;
}

}  // namespace attnviz::core
