// GGUF reader: parses and checks the whole header of a mapped file.
#include "attnviz/core/gguf_file.h"

#include "../checked_math.h"
#include "../message_text.h"
#include "../out_of_memory.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <new>

namespace attnviz::core {
namespace {

constexpr std::uint64_t kMaxDims = 4;                  // GGML_MAX_DIMS
constexpr std::uint64_t kMaxStringBytes = 1ull << 30;  // one metadata string
constexpr std::uint64_t kMaxNameBytes = 1024;          // a key or a tensor name
constexpr int kMaxArrayNesting = 4;

std::size_t valueSize(GgufValueType type) {
    switch (type) {
    case GgufValueType::U8: case GgufValueType::I8: case GgufValueType::Bool: return 1;
    case GgufValueType::U16: case GgufValueType::I16: return 2;
    case GgufValueType::U32: case GgufValueType::I32: case GgufValueType::F32: return 4;
    case GgufValueType::U64: case GgufValueType::I64: case GgufValueType::F64: return 8;
    case GgufValueType::String: case GgufValueType::Array: return 0;
    }
    return 0;
}

bool knownValueType(std::uint32_t raw) { return raw <= static_cast<std::uint32_t>(GgufValueType::F64); }

// A cursor over the mapped bytes that never reads past the end; every read
// names what it was reading when the file ends first.
class Reader {
public:
    Reader(std::span<const std::byte> bytes, std::string where) : m_bytes(bytes), m_where(std::move(where)) {}

    std::uint64_t position() const { return m_pos; }
    std::uint64_t remaining() const { return m_bytes.size() - m_pos; }
    const std::byte* here() const { return m_bytes.data() + m_pos; }
    const std::string& where() const { return m_where; }

    Error truncated(std::string_view what) const {
        return makeError(ErrorCode::CorruptFile, m_where + ": the file ends inside " + std::string(what) + " (offset " +
                                                     std::to_string(m_pos) + " of " + std::to_string(m_bytes.size()) +
                                                     " bytes; truncated?)");
    }
    Error corrupt(const std::string& what) const { return makeError(ErrorCode::CorruptFile, m_where + ": " + what); }

    template <class T>
    Result<T> read(std::string_view what) {
        if (remaining() < sizeof(T)) return truncated(what);
        T value;
        std::memcpy(&value, here(), sizeof(T));  // little-endian host
        m_pos += sizeof(T);
        return value;
    }
    Status skip(std::uint64_t bytes, std::string_view what) {
        if (remaining() < bytes) return truncated(what);
        m_pos += bytes;
        return Status::success();
    }
    Result<std::string_view> string(std::string_view what, std::uint64_t limit) {
        auto len = read<std::uint64_t>(what);
        if (!len) return len.takeError();
        if (*len > limit) {
            return corrupt(std::string(what) + " is " + std::to_string(*len) + " bytes long, over the limit of " +
                           std::to_string(limit));
        }
        if (remaining() < *len) {
            return corrupt(std::string(what) + " is " + std::to_string(*len) + " bytes long but only " +
                           std::to_string(remaining()) + " bytes of the file are left (truncated?)");
        }
        std::string_view text(reinterpret_cast<const char*>(here()), static_cast<std::size_t>(*len));
        m_pos += *len;
        return text;
    }

private:
    std::span<const std::byte> m_bytes;
    std::string m_where;
    std::uint64_t m_pos = 0;
};

template <class T>
T load(const std::byte* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
}

// Reads one scalar of `type` at the reader into `value`.
Status readScalar(Reader& in, GgufValueType type, GgufValue& value, const std::string& what) {
    value.type = type;
    const std::size_t size = valueSize(type);
    if (in.remaining() < size) return in.truncated(what);
    const std::byte* p = in.here();
    switch (type) {
    case GgufValueType::U8: value.integer = load<std::uint8_t>(p); break;
    case GgufValueType::I8: value.integer = load<std::int8_t>(p); break;
    case GgufValueType::U16: value.integer = load<std::uint16_t>(p); break;
    case GgufValueType::I16: value.integer = load<std::int16_t>(p); break;
    case GgufValueType::U32: value.integer = load<std::uint32_t>(p); break;
    case GgufValueType::I32: value.integer = load<std::int32_t>(p); break;
    case GgufValueType::I64: value.integer = load<std::int64_t>(p); break;
    case GgufValueType::U64:
        value.unsignedValue = load<std::uint64_t>(p);
        value.integer = static_cast<std::int64_t>(std::min<std::uint64_t>(value.unsignedValue, INT64_MAX));
        break;
    case GgufValueType::Bool: {
        const auto b = load<std::uint8_t>(p);
        if (b > 1) return in.corrupt(what + " is a bool holding " + std::to_string(b) + " (must be 0 or 1)");
        value.integer = b;
        break;
    }
    case GgufValueType::F32: value.real = load<float>(p); break;
    case GgufValueType::F64: value.real = load<double>(p); break;
    case GgufValueType::String: case GgufValueType::Array: break;
    }
    if (type == GgufValueType::U64) {
        value.real = static_cast<double>(value.unsignedValue);
    } else if (type != GgufValueType::F32 && type != GgufValueType::F64) {
        value.real = static_cast<double>(value.integer);
    }
    return in.skip(size, what);
}

Status readValue(Reader& in, GgufValueType type, GgufValue& value, const std::string& what, int depth);

Status readArray(Reader& in, GgufValue& value, const std::string& what, int depth) {
    value.type = GgufValueType::Array;
    auto rawType = in.read<std::uint32_t>(what + " (array element type)");
    if (!rawType) return rawType.takeError();
    if (!knownValueType(*rawType)) {
        return in.corrupt(what + " is an array of unknown value type " + std::to_string(*rawType));
    }
    value.elementType = static_cast<GgufValueType>(*rawType);
    auto count = in.read<std::uint64_t>(what + " (array length)");
    if (!count) return count.takeError();
    value.count = *count;
    const std::size_t size = valueSize(value.elementType);
    if (size > 0) {
        const auto bytes = checkedMul(*count, size);
        if (!bytes || *bytes > in.remaining()) {
            return in.corrupt(what + " is an array of " + std::to_string(*count) + " " +
                              std::string(ggufValueTypeName(value.elementType)) + " values, more than the " +
                              std::to_string(in.remaining()) + " bytes left in the file hold (truncated?)");
        }
        value.elements = in.here();
        return in.skip(*bytes, what);
    }
    // Strings take at least their 8-byte length each.
    if (*count > in.remaining() / 8) {
        return in.corrupt(what + " is an array of " + std::to_string(*count) + " " +
                          std::string(ggufValueTypeName(value.elementType)) + " values, more than the " +
                          std::to_string(in.remaining()) + " bytes left in the file hold (truncated?)");
    }
    if (value.elementType == GgufValueType::String) {
        try {
            value.strings.reserve(static_cast<std::size_t>(*count));
        } catch (const std::bad_alloc&) {
            return outOfMemory(what, *count * sizeof(std::string_view));
        }
        for (std::uint64_t i = 0; i < *count; ++i) {
            auto s = in.string(what + "[" + std::to_string(i) + "]", kMaxStringBytes);
            if (!s) return s.takeError();
            value.strings.push_back(*s);
        }
        return Status::success();
    }
    // Arrays of arrays: checked and skipped (no architecture reads one).
    if (depth >= kMaxArrayNesting) {
        return in.corrupt(what + ": arrays nested more than " + std::to_string(kMaxArrayNesting) + " levels deep");
    }
    for (std::uint64_t i = 0; i < *count; ++i) {
        GgufValue inner;
        if (Status st = readValue(in, GgufValueType::Array, inner, what + "[" + std::to_string(i) + "]", depth + 1);
            !st) {
            return st;
        }
    }
    return Status::success();
}

Status readValue(Reader& in, GgufValueType type, GgufValue& value, const std::string& what, int depth) {
    if (type == GgufValueType::Array) return readArray(in, value, what, depth);
    if (type == GgufValueType::String) {
        value.type = type;
        auto s = in.string(what, kMaxStringBytes);
        if (!s) return s.takeError();
        value.text = *s;
        return Status::success();
    }
    return readScalar(in, type, value, what);
}

std::string neText(const std::vector<std::uint64_t>& ne) {
    std::string s = "[";
    for (std::size_t i = 0; i < ne.size(); ++i) s += (i ? ", " : "") + std::to_string(ne[i]);
    return s + "]";
}

Status readTensorInfo(Reader& in, GgufTensorInfo& t, std::uint64_t index) {
    const std::string what = "tensor info " + std::to_string(index);
    auto name = in.string(what + " name", kMaxNameBytes);
    if (!name) return name.takeError();
    t.name = std::string(*name);
    if (hasControlCharacter(t.name)) {
        return in.corrupt(what + ": name " + quotedForMessage(t.name) + " holds a control character");
    }
    const std::string where = "tensor '" + t.name + "'";
    auto nDims = in.read<std::uint32_t>(where + " dimension count");
    if (!nDims) return nDims.takeError();
    if (*nDims == 0 || *nDims > kMaxDims) {
        return in.corrupt(where + " has " + std::to_string(*nDims) + " dimensions (must be 1 to " +
                          std::to_string(kMaxDims) + ")");
    }
    t.numel = 1;
    for (std::uint32_t d = 0; d < *nDims; ++d) {
        auto ne = in.read<std::uint64_t>(where + " shape");
        if (!ne) return ne.takeError();
        if (*ne > static_cast<std::uint64_t>(INT64_MAX)) return in.corrupt(where + ": dimension " + std::to_string(d) + " is too large");
        const auto n = checkedMul(t.numel, *ne);
        if (!n || *n > static_cast<std::uint64_t>(INT64_MAX)) {
            return in.corrupt(where + ": element count of shape " + neText(t.ne) + " overflows");
        }
        t.numel = *n;
        t.ne.push_back(*ne);
    }
    auto rawType = in.read<std::uint32_t>(where + " type");
    if (!rawType) return rawType.takeError();
    const GgmlTypeInfo* info = ggmlTypeInfo(*rawType);
    if (!info) return in.corrupt(where + " has unknown ggml type " + std::to_string(*rawType));
    t.type = info->type;
    if (t.ne[0] % info->blockSize != 0) {
        return in.corrupt(where + ": row length " + std::to_string(t.ne[0]) + " is not a multiple of the " +
                          std::string(info->name) + " block size " + std::to_string(info->blockSize));
    }
    const auto bytes = checkedMul(t.numel / info->blockSize, info->blockBytes);
    if (!bytes) return in.corrupt(where + ": byte size overflows");
    t.byteSize = *bytes;
    auto offset = in.read<std::uint64_t>(where + " offset");
    if (!offset) return offset.takeError();
    t.offset = *offset;
    return Status::success();
}

}  // namespace

std::string_view ggufValueTypeName(GgufValueType type) {
    switch (type) {
    case GgufValueType::U8: return "UINT8";
    case GgufValueType::I8: return "INT8";
    case GgufValueType::U16: return "UINT16";
    case GgufValueType::I16: return "INT16";
    case GgufValueType::U32: return "UINT32";
    case GgufValueType::I32: return "INT32";
    case GgufValueType::F32: return "FLOAT32";
    case GgufValueType::Bool: return "BOOL";
    case GgufValueType::String: return "STRING";
    case GgufValueType::Array: return "ARRAY";
    case GgufValueType::U64: return "UINT64";
    case GgufValueType::I64: return "INT64";
    case GgufValueType::F64: return "FLOAT64";
    }
    return "?";
}

bool GgufValue::isInteger() const {
    switch (type) {
    case GgufValueType::U8: case GgufValueType::I8: case GgufValueType::U16: case GgufValueType::I16:
    case GgufValueType::U32: case GgufValueType::I32: case GgufValueType::U64: case GgufValueType::I64:
        return true;
    default: return false;
    }
}

bool GgufValue::isNumber() const {
    return isInteger() || type == GgufValueType::F32 || type == GgufValueType::F64;
}

double GgufValue::number(std::uint64_t i) const {
    const std::size_t size = valueSize(elementType);
    if (!elements || i >= count || size == 0) return 0.0;
    const std::byte* p = elements + i * size;
    switch (elementType) {
    case GgufValueType::U8: case GgufValueType::Bool: return load<std::uint8_t>(p);
    case GgufValueType::I8: return load<std::int8_t>(p);
    case GgufValueType::U16: return load<std::uint16_t>(p);
    case GgufValueType::I16: return load<std::int16_t>(p);
    case GgufValueType::U32: return load<std::uint32_t>(p);
    case GgufValueType::I32: return load<std::int32_t>(p);
    case GgufValueType::F32: return load<float>(p);
    case GgufValueType::U64: return static_cast<double>(load<std::uint64_t>(p));
    case GgufValueType::I64: return static_cast<double>(load<std::int64_t>(p));
    case GgufValueType::F64: return load<double>(p);
    default: return 0.0;
    }
}

bool looksLikeGguf(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    char magic[4] = {};
    return in.read(magic, 4) && std::memcmp(magic, "GGUF", 4) == 0;
}

Result<GgufFile> GgufFile::open(const std::filesystem::path& path) {
    auto mapped = MappedFile::open(path);
    if (!mapped) return mapped.takeError();
    GgufFile file;
    file.m_file = std::move(mapped.value());
    Reader in(file.m_file.bytes(), "'" + path.string() + "'");

    if (in.remaining() < 4 || std::memcmp(in.here(), "GGUF", 4) != 0) {
        return in.corrupt("does not start with the GGUF magic \"GGUF\" (not a GGUF file)");
    }
    (void)in.skip(4, "magic");
    auto version = in.read<std::uint32_t>("the version");
    if (!version) return version.takeError();
    if (*version != 2 && *version != 3) {
        return makeError(ErrorCode::Unsupported, in.where() + ": GGUF version " + std::to_string(*version) +
                                                     " is not supported (versions 2 and 3 are)");
    }
    file.m_version = *version;
    auto tensorCount = in.read<std::uint64_t>("the tensor count");
    if (!tensorCount) return tensorCount.takeError();
    auto kvCount = in.read<std::uint64_t>("the metadata count");
    if (!kvCount) return kvCount.takeError();
    // A kv pair takes at least 8 + 4 + 1 bytes, a tensor info 8 + 4 + 8 + 4 + 8.
    if (*kvCount > in.remaining() / 13) {
        return in.corrupt("metadata count " + std::to_string(*kvCount) + " is more than the file can hold (truncated?)");
    }
    if (*tensorCount > in.remaining() / 32) {
        return in.corrupt("tensor count " + std::to_string(*tensorCount) + " is more than the file can hold (truncated?)");
    }

    for (std::uint64_t i = 0; i < *kvCount; ++i) {
        auto key = in.string("metadata key " + std::to_string(i), kMaxNameBytes);
        if (!key) return key.takeError();
        if (hasControlCharacter(*key)) {
            return in.corrupt("metadata key " + quotedForMessage(*key) + " holds a control character");
        }
        const std::string what = "metadata \"" + std::string(*key) + "\"";
        if (file.m_metadata.count(*key)) return in.corrupt(what + " appears twice");
        auto rawType = in.read<std::uint32_t>(what + " (value type)");
        if (!rawType) return rawType.takeError();
        if (!knownValueType(*rawType)) {
            return in.corrupt(what + " has unknown value type " + std::to_string(*rawType));
        }
        GgufValue value;
        if (Status st = readValue(in, static_cast<GgufValueType>(*rawType), value, what, 0); !st) return st.takeError();
        file.m_metadata.emplace(std::string(*key), std::move(value));
    }

    if (const GgufValue* a = file.find("general.alignment")) {
        if (!a->isInteger() || a->integer <= 0 || (a->integer & (a->integer - 1)) != 0 || a->integer > (1 << 20)) {
            return in.corrupt("metadata \"general.alignment\" must be a power of two up to 1 MiB");
        }
        file.m_alignment = static_cast<std::uint64_t>(a->integer);
    }

    file.m_tensors.resize(static_cast<std::size_t>(*tensorCount));
    for (std::uint64_t i = 0; i < *tensorCount; ++i) {
        GgufTensorInfo& t = file.m_tensors[static_cast<std::size_t>(i)];
        if (Status st = readTensorInfo(in, t, i); !st) return st.takeError();
        if (!file.m_tensorIndex.emplace(t.name, static_cast<std::size_t>(i)).second) {
            return in.corrupt("tensor '" + t.name + "' is listed twice");
        }
    }

    // The data section starts at the next multiple of the alignment.
    const std::uint64_t pos = in.position();
    const std::uint64_t dataOffset = (pos + file.m_alignment - 1) / file.m_alignment * file.m_alignment;
    const std::uint64_t size = file.m_file.size();
    if (dataOffset > size && !file.m_tensors.empty()) {
        return in.corrupt("the data section would start at offset " + std::to_string(dataOffset) +
                          ", beyond the end of the " + std::to_string(size) + "-byte file (truncated?)");
    }
    file.m_dataOffset = dataOffset;
    const std::uint64_t dataSize = size >= dataOffset ? size - dataOffset : 0;
    std::vector<std::size_t> order(file.m_tensors.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    for (GgufTensorInfo& t : file.m_tensors) {
        const std::string where = "tensor '" + t.name + "'";
        if (t.offset % file.m_alignment != 0) {
            return in.corrupt(where + ": data offset " + std::to_string(t.offset) + " is not a multiple of the alignment " +
                              std::to_string(file.m_alignment));
        }
        if (t.offset > dataSize || t.byteSize > dataSize - t.offset) {
            return in.corrupt(where + " data [" + std::to_string(t.offset) + ", " + std::to_string(t.offset) + " + " +
                              std::to_string(t.byteSize) + ") is not within the file's data section of " +
                              std::to_string(dataSize) + " bytes (truncated?)");
        }
        t.data = file.m_file.bytes().data() + dataOffset + t.offset;
    }
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return file.m_tensors[a].offset < file.m_tensors[b].offset; });
    std::uint64_t prevEnd = 0;
    const GgufTensorInfo* prev = nullptr;
    for (std::size_t i : order) {
        const GgufTensorInfo& t = file.m_tensors[i];
        if (t.byteSize == 0) continue;
        if (prev && t.offset < prevEnd) {
            return in.corrupt("tensor '" + t.name + "' overlaps tensor '" + prev->name + "'");
        }
        prevEnd = t.offset + t.byteSize;
        prev = &t;
    }
    return file;
}

const GgufValue* GgufFile::find(std::string_view key) const {
    auto it = m_metadata.find(key);
    return it == m_metadata.end() ? nullptr : &it->second;
}

namespace {
Error wrongType(const GgufFile& f, std::string_view key, const GgufValue& v, std::string_view wanted) {
    std::string got(ggufValueTypeName(v.type));
    if (v.type == GgufValueType::Array) got = "an array of " + std::string(ggufValueTypeName(v.elementType));
    return makeError(ErrorCode::CorruptFile, "'" + f.path().string() + "': metadata \"" + std::string(key) + "\" is " +
                                                 got + ", expected " + std::string(wanted));
}
}  // namespace

Result<std::optional<std::string>> GgufFile::string(std::string_view key) const {
    const GgufValue* v = find(key);
    if (!v) return std::optional<std::string>{};
    if (v->type != GgufValueType::String) return wrongType(*this, key, *v, "a string");
    return std::optional<std::string>{std::string(v->text)};
}

Result<std::optional<std::int64_t>> GgufFile::integer(std::string_view key) const {
    const GgufValue* v = find(key);
    if (!v) return std::optional<std::int64_t>{};
    if (!v->isInteger()) return wrongType(*this, key, *v, "an integer");
    if (v->type == GgufValueType::U64 && v->unsignedValue > static_cast<std::uint64_t>(INT64_MAX)) {
        return makeError(ErrorCode::CorruptFile, "'" + path().string() + "': metadata \"" + std::string(key) +
                                                     "\" is " + std::to_string(v->unsignedValue) + ", too large");
    }
    return std::optional<std::int64_t>{v->integer};
}

Result<std::optional<double>> GgufFile::number(std::string_view key) const {
    const GgufValue* v = find(key);
    if (!v) return std::optional<double>{};
    if (!v->isNumber()) return wrongType(*this, key, *v, "a number");
    if (!std::isfinite(v->real)) {
        return makeError(ErrorCode::CorruptFile,
                         "'" + path().string() + "': metadata \"" + std::string(key) + "\" is not a finite number");
    }
    return std::optional<double>{v->real};
}

Result<std::optional<bool>> GgufFile::boolean(std::string_view key) const {
    const GgufValue* v = find(key);
    if (!v) return std::optional<bool>{};
    if (v->type != GgufValueType::Bool) return wrongType(*this, key, *v, "a bool");
    return std::optional<bool>{v->integer != 0};
}

const GgufTensorInfo* GgufFile::tensor(std::string_view name) const {
    auto it = m_tensorIndex.find(name);
    return it == m_tensorIndex.end() ? nullptr : &m_tensors[it->second];
}

std::uint64_t GgufFile::parameterCount() const {
    std::uint64_t n = 0;
    for (const auto& t : m_tensors) n += t.numel;
    return n;
}

}  // namespace attnviz::core
