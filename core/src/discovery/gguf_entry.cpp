// One GGUF file as a listing row: header and metadata through GgufFile
// (the tensor data stays untouched in the mapping), the shape from
// `<arch>.*` keys, the support check and weight type name of gguf_model.h.
#include "discovery/discovery_walk.h"

#include "attnviz/core/gguf_file.h"
#include "attnviz/core/gguf_model.h"

#include <algorithm>
#include <limits>

namespace attnviz::core::discovery {

namespace {

// An integer key, or the largest element of an integer array (per-layer
// head counts); nullopt when absent, negative or not a number.
std::optional<int> shapeValue(const GgufFile& file, const std::string& key) {
    const GgufValue* v = file.find(key);
    if (v == nullptr) return std::nullopt;
    double value = -1;
    if (v->isInteger()) {
        value = static_cast<double>(v->integer);
    } else if (v->type == GgufValueType::Array && v->count > 0 && v->elementType != GgufValueType::String &&
               v->elementType != GgufValueType::Array) {
        for (std::uint64_t i = 0; i < v->count; ++i) value = std::max(value, v->number(i));
    }
    if (!(value >= 0) || value > std::numeric_limits<int>::max()) return std::nullopt;
    return static_cast<int>(value);
}

}  // namespace

DiscoveredModel describeGgufFile(const fs::path& file, std::string name, std::string source) {
    DiscoveredModel row;
    row.name = std::move(name);
    row.source = std::move(source);
    row.path = file;
    row.bytes = bytesOnDisk(file);
    if (isBrokenLink(file)) {
        row.reason = quoted(file) + " is a broken link (its target is missing)";
        return row;
    }
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {  // a FIFO would block the open
        row.reason = quoted(file) + " is not a regular file";
        return row;
    }
    auto gguf = GgufFile::open(file);
    if (!gguf) {
        row.reason = gguf.error();
        return row;
    }
    const GgufFile& g = gguf.value();
    auto arch = g.string("general.architecture");
    if (arch && arch->has_value()) row.architecture = **arch;
    if (!row.architecture.empty()) {
        const std::string& a = row.architecture;
        row.layers = shapeValue(g, a + ".block_count");
        row.heads = shapeValue(g, a + ".attention.head_count");
        row.kvHeads = shapeValue(g, a + ".attention.head_count_kv");
        if (!row.kvHeads) row.kvHeads = row.heads;  // llama.cpp's default: no grouping
    }
    row.parameters = g.parameterCount();
    row.dtype = ggufWeightTypeName(g);
    row.reason = ggufUnsupportedReason(g);
    row.supported = row.reason.empty();
    if (row.supported && g.find("tokenizer.ggml.model") == nullptr) {
        row.reason = "no tokenizer in its metadata: input by token ids only";
    }
    return row;
}

}  // namespace attnviz::core::discovery
