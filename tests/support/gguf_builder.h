// Builds GGUF files byte by byte for tests: valid ones, and, by editing the
// bytes it returns, every kind of corrupt one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace attnviz::test {

class GgufBuilder {
public:
    explicit GgufBuilder(std::uint32_t version = 3) : m_version(version) {}

    GgufBuilder& string(const std::string& key, const std::string& value);
    GgufBuilder& u32(const std::string& key, std::uint32_t value);
    GgufBuilder& i32(const std::string& key, std::int32_t value);
    GgufBuilder& f32(const std::string& key, float value);
    GgufBuilder& boolean(const std::string& key, bool value);
    GgufBuilder& strings(const std::string& key, const std::vector<std::string>& values);
    GgufBuilder& floats(const std::string& key, const std::vector<float>& values);
    GgufBuilder& ints(const std::string& key, const std::vector<std::int32_t>& values);
    // A tensor with ne (ne[0] = row length), ggml type and raw data bytes;
    // offsets are assigned in order, aligned to 32.
    GgufBuilder& tensor(const std::string& name, std::vector<std::uint64_t> ne, std::uint32_t type,
                        std::vector<std::uint8_t> data);
    // An F32 tensor.
    GgufBuilder& tensorF32(const std::string& name, std::vector<std::uint64_t> ne, const std::vector<float>& values);

    std::vector<std::uint8_t> bytes() const;
    // Byte offset of the tensor-info block and of the data section in bytes().
    std::size_t tensorInfoOffset() const;
    std::size_t dataOffset() const;
    void write(const std::filesystem::path& path) const;
    static void write(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes);

private:
    struct Tensor {
        std::string name;
        std::vector<std::uint64_t> ne;
        std::uint32_t type;
        std::vector<std::uint8_t> data;
    };
    std::vector<std::uint8_t> header() const;  // up to the tensor infos
    std::uint32_t m_version;
    std::uint64_t m_kvCount = 0;
    std::vector<std::uint8_t> m_kv;
    std::vector<Tensor> m_tensors;
};

}  // namespace attnviz::test
