// Writing a trace file: the header as JSON in __metadata__, then one tensor
// (n_heads, seq_len, seq_len) per layer.
#include "attnviz/core/trace_file.h"

#include "attnviz/core/safetensors_writer.h"
#include "trace_layer_kind.h"

#include <nlohmann/json.hpp>

#include <cstring>

namespace attnviz::core {
namespace {

Result<std::string> headerJson(const TraceFileHeader& header, const AttentionTrace& trace, DType dtype) {
    const int T = trace.seqLen();
    if (static_cast<int>(header.tokens.size()) != T || static_cast<int>(trace.tokenIds.size()) != T) {
        return makeError(ErrorCode::Internal, "trace file: " + std::to_string(header.tokens.size()) + " tokens for a trace of " +
                                                  std::to_string(T));
    }
    if (trace.mask().kind == MaskMode::Kind::Default || header.defaultMask.kind == MaskMode::Kind::Default) {
        return makeError(ErrorCode::Internal, "trace file: the mask must be resolved");
    }
    nlohmann::json j;
    j["format"] = "attnviz-trace";
    j["version"] = header.version;
    j["producer"] = header.producer;
    j["model"] = header.model;
    j["model_type"] = header.modelType;
    j["architecture"] = header.architecture;
    j["dtype"] = std::string(dtypeName(dtype));
    j["n_layers"] = trace.nLayers();
    j["n_heads"] = trace.nHeads();
    j["n_kv_heads"] = header.nKvHeads > 0 ? header.nKvHeads : trace.nHeads();
    j["seq_len"] = T;
    j["requested_mask"] = header.requestedMask.empty() ? trace.mask().toString() : header.requestedMask;
    j["mask"] = trace.mask().toString();
    j["default_mask"] = header.defaultMask.toString();
    j["mask_is_model_default"] = trace.maskIsModelDefault();
    nlohmann::json kinds = nlohmann::json::array();
    for (int l = 0; l < trace.nLayers(); ++l) kinds.push_back(traceLayerKindName(trace.layerKind(l)));
    j["layer_kinds"] = kinds;
    j["global_tokens"] = trace.globalTokens();
    nlohmann::json tokens = nlohmann::json::array();
    for (int i = 0; i < T; ++i) {
        const Token& t = header.tokens[static_cast<std::size_t>(i)];
        tokens.push_back({{"id", trace.tokenIds[static_cast<std::size_t>(i)]}, {"text", t.display}, {"special", t.special}});
    }
    j["tokens"] = tokens;
    j["token_type_ids"] = trace.tokenTypeIds.empty() ? nlohmann::json(nullptr) : nlohmann::json(trace.tokenTypeIds);
    // Token texts are UTF-8; a stray invalid byte becomes U+FFFD rather than failing the write.
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

Status writeTraceFile(std::FILE* out, const std::string& name, const TraceFileHeader& header,
                      const AttentionTrace& trace, DType dtype) {
    if (dtype != DType::F32 && dtype != DType::F16) {
        return makeError(ErrorCode::InvalidInput, "trace files store F32 or F16, not " + std::string(dtypeName(dtype)));
    }
    auto json = headerJson(header, trace, dtype);
    if (!json) return json.takeError();
    std::vector<SafetensorsWriter::Entry> entries;
    const int H = trace.nHeads();
    const int T = trace.seqLen();
    for (int l = 0; l < trace.nLayers(); ++l) entries.push_back({"attention." + std::to_string(l), dtype, {H, T, T}});
    const std::size_t perHead = static_cast<std::size_t>(T) * T;
    return SafetensorsWriter::write(
        out, name, entries,
        [&](std::size_t layer, std::vector<float>& values) {
            // (n_heads, seq_len, seq_len): the trace's own layout for one layer.
            for (int h = 0; h < H; ++h) {
                std::memcpy(values.data() + h * perHead, trace.headProbs(static_cast<int>(layer), h).data(), perHead * sizeof(float));
            }
        },
        {{kTraceMetadataKey, *json}});
}

Status writeTraceFile(const std::filesystem::path& path, const TraceFileHeader& header, const AttentionTrace& trace,
                      DType dtype) {
    std::FILE* out = std::fopen(path.c_str(), "wb");
    if (out == nullptr) return makeError(ErrorCode::Io, "cannot write '" + path.string() + "': " + std::strerror(errno));
    Status written = writeTraceFile(out, "'" + path.string() + "'", header, trace, dtype);
    if (std::fclose(out) != 0 && written) {
        written = makeError(ErrorCode::Io, "writing '" + path.string() + "' failed: " + std::strerror(errno));
    }
    return written;
}

}  // namespace attnviz::core
