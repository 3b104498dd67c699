// One .safetensors file, memory-mapped, with its header fully validated:
// header size cap, known dtype, shape x dtype size == byte span, spans inside
// the data section and not overlapping, every sum overflow-checked.
// Format: u64 little-endian header length N, N bytes of JSON
// {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}},
// then the data section; offsets are relative to the data section.
#pragma once

#include "attnviz/core/dtype.h"
#include "attnviz/core/mapped_file.h"
#include "attnviz/core/result.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz::core {

struct TensorInfo {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;
    std::uint64_t numel = 0;
    const std::byte* data = nullptr;  // inside the mapping
    std::uint64_t byteSize = 0;
};

class SafetensorsFile {
public:
    static constexpr std::uint64_t kMaxHeaderBytes = 100ull << 20;  // the limit Hugging Face uses

    static Result<SafetensorsFile> open(const std::filesystem::path& path);

    const TensorInfo* find(std::string_view name) const;
    const std::vector<TensorInfo>& tensors() const { return m_tensors; }
    const std::map<std::string, std::string>& metadata() const { return m_metadata; }
    const std::filesystem::path& path() const { return m_file.path(); }

private:
    MappedFile m_file;
    std::vector<TensorInfo> m_tensors;  // sorted by name
    std::map<std::string, std::string> m_metadata;
};

}  // namespace attnviz::core
