// One GGUF file (v2 or v3), memory-mapped, with header, metadata and tensor
// infos fully validated: every count, length, offset and size is bounds- and
// overflow-checked against the file, tensor data is aligned, inside the data
// section and not overlapping. Errors name the file and the field.
//
// Layout (little-endian): "GGUF", u32 version, u64 tensor count, u64 kv
// count; kv pairs (string key, u32 value type, value); tensor infos (string
// name, u32 n_dims, u64 ne[n_dims], u32 ggml type, u64 offset); padding to
// `general.alignment` (default 32); the data section. Strings are u64 length
// + bytes. ne[0] is the row length (innermost): a torch (out, in) weight is
// stored with ne = [in, out].
#pragma once

#include "attnviz/core/ggml_types.h"
#include "attnviz/core/mapped_file.h"
#include "attnviz/core/result.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz::core {

// GGUF metadata value types (gguf_type).
enum class GgufValueType : std::uint32_t {
    U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, Bool = 7,
    String = 8, Array = 9, U64 = 10, I64 = 11, F64 = 12,
};
std::string_view ggufValueTypeName(GgufValueType type);

// One metadata value. Scalars are held decoded; arrays of numbers keep a
// pointer into the mapping (read them with number(i)); arrays of strings are
// decoded into views of the mapping.
struct GgufValue {
    GgufValueType type = GgufValueType::U8;
    GgufValueType elementType = GgufValueType::U8;  // arrays only
    std::int64_t integer = 0;   // integer and bool scalars
    std::uint64_t unsignedValue = 0;  // U64 scalars (also in `integer` when it fits)
    double real = 0.0;          // F32/F64 scalars
    std::string_view text;      // String scalars, into the mapping
    std::uint64_t count = 0;    // arrays: number of elements
    const std::byte* elements = nullptr;     // arrays of numbers: first element
    std::vector<std::string_view> strings;   // arrays of strings

    bool isInteger() const;  // any integer scalar type
    bool isNumber() const;   // integer or float scalar
    // Element i of a numeric array as double (i < count).
    double number(std::uint64_t i) const;
};

struct GgufTensorInfo {
    std::string name;
    GgmlType type = GgmlType::F32;
    std::vector<std::uint64_t> ne;   // ne[0] = row length
    std::uint64_t numel = 0;
    std::uint64_t offset = 0;        // relative to the data section
    std::uint64_t byteSize = 0;
    const std::byte* data = nullptr; // inside the mapping
};

class GgufFile {
public:
    static Result<GgufFile> open(const std::filesystem::path& path);

    const std::filesystem::path& path() const { return m_file.path(); }
    std::uint32_t version() const { return m_version; }
    std::uint64_t fileSize() const { return m_file.size(); }
    std::uint64_t dataOffset() const { return m_dataOffset; }  // absolute

    const std::map<std::string, GgufValue, std::less<>>& metadata() const { return m_metadata; }
    const GgufValue* find(std::string_view key) const;
    // Typed lookups: nullopt when the key is absent; an error naming the
    // file and the key when it holds another type or an out-of-range value.
    Result<std::optional<std::string>> string(std::string_view key) const;
    Result<std::optional<std::int64_t>> integer(std::string_view key) const;
    Result<std::optional<double>> number(std::string_view key) const;  // integer or float
    Result<std::optional<bool>> boolean(std::string_view key) const;

    const std::vector<GgufTensorInfo>& tensors() const { return m_tensors; }  // in file order
    const GgufTensorInfo* tensor(std::string_view name) const;
    std::uint64_t parameterCount() const;  // sum of numel

private:
    MappedFile m_file;
    std::uint32_t m_version = 0;
    std::uint64_t m_alignment = 32;
    std::uint64_t m_dataOffset = 0;
    std::map<std::string, GgufValue, std::less<>> m_metadata;
    std::vector<GgufTensorInfo> m_tensors;
    std::map<std::string, std::size_t, std::less<>> m_tensorIndex;
};

// True when the file starts with the GGUF magic (cheap; for telling a
// .gguf apart from other files).
bool looksLikeGguf(const std::filesystem::path& path);

}  // namespace attnviz::core
