// Reading a trace file: every header field checked for type and range, the
// counts against each other, each tensor against the header, and the values
// against what a softmax can produce under the stated mask.
#include "attnviz/core/trace_file.h"

#include "attnviz/core/safetensors_file.h"
#include "json_file.h"
#include "message_text.h"
#include "out_of_memory.h"
#include "trace_layer_kind.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace attnviz::core {
namespace {

// Far beyond any model attnviz shows; keeps counts from overflowing sizes.
constexpr int kMaxLayers = 4096;
constexpr int kMaxHeads = 4096;
constexpr int kMaxSeqLen = 1 << 20;
// Row sums of softmax outputs stored in F16 (or computed in bf16) stray a
// little from 1; anything further is not a probability row.
constexpr double kRowSumTolerance = 1e-2;

class HeaderReader {
public:
    HeaderReader(const nlohmann::json& j, std::string where) : m_j(j), m_where(std::move(where)) {}

    Error fail(const std::string& key, const std::string& what) const {
        return makeError(ErrorCode::CorruptFile, m_where + " \"" + key + "\" " + what);
    }
    Result<const nlohmann::json*> field(const std::string& key) const {
        const auto it = m_j.find(key);
        if (it == m_j.end()) return fail(key, "is missing");
        return &*it;
    }
    Result<std::string> string(const std::string& key) const {
        auto f = field(key);
        if (!f) return f.takeError();
        if (!(*f)->is_string()) return fail(key, "must be a string");
        return (*f)->get<std::string>();
    }
    Result<bool> boolean(const std::string& key) const {
        auto f = field(key);
        if (!f) return f.takeError();
        if (!(*f)->is_boolean()) return fail(key, "must be true or false");
        return (*f)->get<bool>();
    }
    Result<int> integer(const std::string& key, long long lo, long long hi) const {
        auto f = field(key);
        if (!f) return f.takeError();
        if (!(*f)->is_number_integer()) return fail(key, "must be an integer");
        const auto v = (*f)->get<long long>();
        if ((*f)->is_number_unsigned() && (*f)->get<unsigned long long>() > static_cast<unsigned long long>(hi)) {
            return fail(key, "must be from " + std::to_string(lo) + " to " + std::to_string(hi));
        }
        if (v < lo || v > hi) {
            return fail(key, "is " + std::to_string(v) + "; it must be from " + std::to_string(lo) + " to " + std::to_string(hi));
        }
        return static_cast<int>(v);
    }
    Result<MaskMode> mask(const std::string& key, bool concrete) const {
        auto text = string(key);
        if (!text) return text.takeError();
        auto mode = MaskMode::parse(*text);
        if (!mode) return fail(key, "is " + quotedForMessage(*text) + ", not a mask (causal, bidirectional or window:N)");
        if (concrete && mode->kind == MaskMode::Kind::Default) return fail(key, "must be the mask used, not 'default'");
        return *mode;
    }
    // An array of `count` integers in [lo, hi].
    Result<std::vector<int>> integers(const nlohmann::json& a, const std::string& key, std::optional<std::size_t> count,
                                      long long lo, long long hi) const {
        if (!a.is_array()) return fail(key, "must be an array");
        if (count && a.size() != *count) {
            return fail(key, "has " + std::to_string(a.size()) + " entries; seq_len is " + std::to_string(*count));
        }
        std::vector<int> out;
        for (std::size_t i = 0; i < a.size(); ++i) {
            const auto& v = a[i];
            if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<unsigned long long>() > static_cast<unsigned long long>(hi)) ||
                v.get<long long>() < lo || v.get<long long>() > hi) {
                return fail(key, "entry " + std::to_string(i) + " must be an integer from " + std::to_string(lo) + " to " +
                                     std::to_string(hi));
            }
            out.push_back(static_cast<int>(v.get<long long>()));
        }
        return out;
    }

private:
    const nlohmann::json& m_j;
    std::string m_where;
};

#define TRACE_TRY(var, expr)              \
    auto var##_r = (expr);                \
    if (!var##_r) return var##_r.takeError(); \
    auto var = std::move(var##_r.value())

struct Shape {
    int nLayers = 0, nHeads = 0, seqLen = 0;
};

// Checks the values of one layer (n_heads, T, T) and copies them into the trace.
Status readLayer(const std::string& file, const TensorInfo& t, int layer, AttentionTrace& trace) {
    const int H = trace.nHeads();
    const int T = trace.seqLen();
    const std::size_t perHead = static_cast<std::size_t>(T) * T;
    const LayerMask mask = trace.layerMask(layer);
    auto bad = [&](int h, int q, int k, const std::string& what) {
        return makeError(ErrorCode::CorruptFile, file + ": tensor \"" + t.name + "\" head " + std::to_string(h) + " query " +
                                                     std::to_string(q) + (k >= 0 ? " key " + std::to_string(k) : "") +
                                                     ": " + what);
    };
    for (int h = 0; h < H; ++h) {
        float* p = trace.probs(layer, h);  // (T, T)
        convertToFloat(t.dtype, t.data + h * perHead * dtypeSize(t.dtype), perHead, p);
        for (int q = 0; q < T; ++q) {
            const float* row = p + static_cast<std::size_t>(q) * T;
            double sum = 0;
            for (int k = 0; k < T; ++k) {
                const float v = row[k];
                if (!std::isfinite(v)) return bad(h, q, k, "is not finite (" + std::to_string(v) + ")");
                if (v < 0.0f || v > 1.0f + static_cast<float>(kRowSumTolerance)) {
                    return bad(h, q, k, "is " + std::to_string(v) + ", not a probability");
                }
                if (v != 0.0f && !mask.allows(q, k)) {
                    return bad(h, q, k, "is " + std::to_string(v) + " where the layer's mask (" + trace.mask().toString() +
                                            ", " + traceLayerKindName(trace.layerKind(layer)) + ") hides the key");
                }
                sum += v;
            }
            if (std::fabs(sum - 1.0) > kRowSumTolerance) {
                return bad(h, q, -1, "the row sums to " + std::to_string(sum) + ", not 1");
            }
        }
    }
    return Status::success();
}

}  // namespace

Result<TraceFile> readTraceFile(const std::filesystem::path& path) {
    const std::string file = "'" + path.string() + "'";
    auto st = SafetensorsFile::open(path);
    if (!st) return st.takeError();
    const auto meta = st->metadata().find(kTraceMetadataKey);
    if (meta == st->metadata().end()) {
        return makeError(ErrorCode::CorruptFile, file + " is not an attnviz trace file: its __metadata__ has no \"" +
                                                     std::string(kTraceMetadataKey) + "\" entry (docs/trace-format.md)");
    }
    const std::string where = file + " __metadata__ \"" + std::string(kTraceMetadataKey) + "\"";
    auto parsed = parseJsonText(meta->second, where);
    if (!parsed) return parsed.takeError();
    const nlohmann::json& j = *parsed;
    if (!j.is_object()) return makeError(ErrorCode::CorruptFile, where + " is not a JSON object");
    const HeaderReader r(j, where);

    TraceFile out;
    out.path = path;
    TraceFileHeader& h = out.header;
    TRACE_TRY(format, r.string("format"));
    if (format != "attnviz-trace") return r.fail("format", "is " + quotedForMessage(format) + ", expected \"attnviz-trace\"");
    {
        auto v = r.field("version");
        if (!v) return v.takeError();
        if (!(*v)->is_number_integer() || (*v)->get<long long>() < 1) return r.fail("version", "must be an integer >= 1");
        if ((*v)->get<long long>() > kTraceFormatVersion) {
            return makeError(ErrorCode::Unsupported, where + " \"version\" is " + std::to_string((*v)->get<long long>()) +
                                                         "; this attnviz reads trace format version " +
                                                         std::to_string(kTraceFormatVersion) + " (update attnviz)");
        }
        h.version = static_cast<int>((*v)->get<long long>());
    }
    TRACE_TRY(producer, r.string("producer"));
    TRACE_TRY(model, r.string("model"));
    TRACE_TRY(modelType, r.string("model_type"));
    TRACE_TRY(architecture, r.string("architecture"));
    h.producer = producer;
    h.model = model;
    h.modelType = modelType;
    h.architecture = architecture;
    TRACE_TRY(dtypeText, r.string("dtype"));
    const auto dtype = parseDType(dtypeText);
    if (!dtype || (*dtype != DType::F32 && *dtype != DType::F16)) {
        return r.fail("dtype", "is " + quotedForMessage(dtypeText) + "; trace files store F32 or F16");
    }
    out.dtype = *dtype;
    TRACE_TRY(nLayers, r.integer("n_layers", 1, kMaxLayers));
    TRACE_TRY(nHeads, r.integer("n_heads", 1, kMaxHeads));
    TRACE_TRY(nKvHeads, r.integer("n_kv_heads", 1, nHeads));
    TRACE_TRY(seqLen, r.integer("seq_len", 1, kMaxSeqLen));
    h.nKvHeads = nKvHeads;
    const auto T = static_cast<std::size_t>(seqLen);
    TRACE_TRY(requested, r.mask("requested_mask", false));
    h.requestedMask = requested.toString();
    TRACE_TRY(mask, r.mask("mask", true));
    TRACE_TRY(defaultMask, r.mask("default_mask", true));
    h.defaultMask = defaultMask;
    TRACE_TRY(maskIsDefault, r.boolean("mask_is_model_default"));
    if (maskIsDefault && !(mask == defaultMask)) {
        return r.fail("mask_is_model_default", "is true but \"mask\" (" + mask.toString() + ") differs from \"default_mask\" (" +
                                                   defaultMask.toString() + ")");
    }

    TRACE_TRY(kindsJson, r.field("layer_kinds"));
    if (!kindsJson->is_array() || kindsJson->size() != static_cast<std::size_t>(nLayers)) {
        return r.fail("layer_kinds", "must be an array of n_layers (" + std::to_string(nLayers) + ") strings");
    }
    std::vector<LayerKind> kinds;
    for (std::size_t l = 0; l < kindsJson->size(); ++l) {
        const auto& k = (*kindsJson)[l];
        const auto kind = k.is_string() ? parseTraceLayerKind(k.get<std::string>()) : std::nullopt;
        if (!kind) return r.fail("layer_kinds", "entry " + std::to_string(l) + " must be \"global\", \"local:W\" or \"symmetric:W\"");
        kinds.push_back(*kind);
    }
    TRACE_TRY(globalJson, r.field("global_tokens"));
    TRACE_TRY(globalTokens, r.integers(*globalJson, "global_tokens", std::nullopt, 0, seqLen - 1));

    TRACE_TRY(tokensJson, r.field("tokens"));
    if (!tokensJson->is_array() || tokensJson->size() != T) {
        return r.fail("tokens", "must be an array of seq_len (" + std::to_string(seqLen) + ") tokens");
    }
    std::vector<std::int32_t> ids;
    for (std::size_t i = 0; i < T; ++i) {
        const auto& t = (*tokensJson)[i];
        const std::string at = "entry " + std::to_string(i);
        if (!t.is_object()) return r.fail("tokens", at + " must be an object {\"id\", \"text\", \"special\"}");
        const auto id = t.find("id");
        const auto text = t.find("text");
        const auto special = t.find("special");
        if (id == t.end() || !id->is_number_integer() || id->get<long long>() < 0 ||
            (id->is_number_unsigned() && id->get<unsigned long long>() > std::numeric_limits<std::int32_t>::max()) ||
            id->get<long long>() > std::numeric_limits<std::int32_t>::max()) {
            return r.fail("tokens", at + " \"id\" must be an integer from 0 to 2147483647");
        }
        if (text == t.end() || !text->is_string()) return r.fail("tokens", at + " \"text\" must be a string");
        if (special == t.end() || !special->is_boolean()) return r.fail("tokens", at + " \"special\" must be true or false");
        Token token;
        token.id = static_cast<std::int32_t>(id->get<long long>());
        token.display = text->get<std::string>();
        token.piece = token.display;
        token.special = special->get<bool>();
        ids.push_back(token.id);
        h.tokens.push_back(std::move(token));
    }
    std::vector<std::int32_t> types;
    TRACE_TRY(typesJson, r.field("token_type_ids"));
    if (!typesJson->is_null()) {
        TRACE_TRY(parsedTypes, r.integers(*typesJson, "token_type_ids", T, 0, 1 << 20));
        types.assign(parsedTypes.begin(), parsedTypes.end());
        for (std::size_t i = 0; i < T; ++i) h.tokens[i].typeId = types[i];
    }

    // Exactly the tensors attention.0 .. attention.<n_layers - 1>.
    for (const TensorInfo& t : st->tensors()) {
        const std::string prefix = "attention.";
        bool known = false;
        if (t.name.starts_with(prefix)) {
            const std::string digits = t.name.substr(prefix.size());
            known = !digits.empty() && digits.size() <= 5 && digits.find_first_not_of("0123456789") == std::string::npos &&
                    (digits == "0" || digits[0] != '0') && std::stoi(digits) < nLayers;
        }
        if (!known) {
            return makeError(ErrorCode::CorruptFile, file + ": unexpected tensor \"" + t.name + "\" (a trace holds attention.0 .. attention." +
                                                         std::to_string(nLayers - 1) + ")");
        }
    }
    std::vector<const TensorInfo*> layers;
    for (int l = 0; l < nLayers; ++l) {
        const std::string name = "attention." + std::to_string(l);
        const TensorInfo* t = st->find(name);
        if (t == nullptr) return makeError(ErrorCode::CorruptFile, file + ": tensor \"" + name + "\" is missing (n_layers is " + std::to_string(nLayers) + ")");
        if (t->dtype != *dtype) {
            return makeError(ErrorCode::CorruptFile, file + ": tensor \"" + name + "\" is " + std::string(dtypeName(t->dtype)) +
                                                         " but the header's \"dtype\" is " + dtypeText);
        }
        const std::vector<std::int64_t> expected{nHeads, seqLen, seqLen};
        if (t->shape != expected) {
            std::string got;
            for (std::size_t i = 0; i < t->shape.size(); ++i) got += (i ? ", " : "") + std::to_string(t->shape[i]);
            return makeError(ErrorCode::CorruptFile, file + ": tensor \"" + name + "\" has shape (" + got + "); the header says (n_heads " +
                                                         std::to_string(nHeads) + ", seq_len " + std::to_string(seqLen) +
                                                         ", seq_len " + std::to_string(seqLen) + ")");
        }
        layers.push_back(t);
    }

    const std::uint64_t bytes = static_cast<std::uint64_t>(nLayers) * nHeads * T * T * sizeof(float);
    auto trace = guardAllocation("the attention trace of " + file, bytes, [&]() -> Result<std::shared_ptr<AttentionTrace>> {
        return std::make_shared<AttentionTrace>(AttentionTrace::forOverwrite(nLayers, nHeads, seqLen, false, false));
    });
    if (!trace) return trace.takeError();
    AttentionTrace& tr = **trace;
    tr.setMask(mask);
    tr.setMaskIsModelDefault(maskIsDefault);
    tr.setLayers(kinds, std::vector<int>(globalTokens.begin(), globalTokens.end()));
    tr.tokenIds = std::move(ids);
    tr.tokenTypeIds = std::move(types);
    for (int l = 0; l < nLayers; ++l) {
        if (Status s = readLayer(file, *layers[static_cast<std::size_t>(l)], l, tr); !s) return s.takeError();
    }
    out.trace = std::move(trace.value());
    return out;
}

}  // namespace attnviz::core
