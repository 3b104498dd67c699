// Writes a GGUF v3 file tensor by tensor (header first, then data), so a
// large file needs no more memory than its largest tensor.
#pragma once

#include "attnviz/core/ggml_types.h"
#include "attnviz/core/result.h"

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace attnviz::core {

class GgufMetadataWriter {
public:
    void string(const std::string& key, const std::string& value);
    void u32(const std::string& key, std::uint32_t value);
    void i32(const std::string& key, std::int32_t value);
    void f32(const std::string& key, float value);
    void boolean(const std::string& key, bool value);
    std::uint64_t count() const { return m_count; }
    const std::vector<std::uint8_t>& bytes() const { return m_bytes; }

private:
    void key(const std::string& key, std::uint32_t type);
    std::vector<std::uint8_t> m_bytes;
    std::uint64_t m_count = 0;
};

struct GgufTensorToWrite {
    std::string name;
    std::vector<std::uint64_t> ne;  // ne[0] = row length
    GgmlType type = GgmlType::F32;
};

// `fill(i, values)` writes tensor i's float32 values (numel of ne); called
// for i = 0, 1, ... in order. `name` names the file in errors.
Status writeGguf(std::FILE* out, const std::string& name, const GgufMetadataWriter& metadata,
                 const std::vector<GgufTensorToWrite>& tensors,
                 const std::function<void(std::size_t, std::vector<float>&)>& fill);

}  // namespace attnviz::core
