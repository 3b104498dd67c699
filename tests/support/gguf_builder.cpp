#include "support/gguf_builder.h"

#include <cstring>
#include <fstream>

namespace attnviz::test {
namespace {

template <class T>
void put(std::vector<std::uint8_t>& out, T value) {
    std::uint8_t b[sizeof(T)];
    std::memcpy(b, &value, sizeof(T));
    out.insert(out.end(), b, b + sizeof(T));
}

void putString(std::vector<std::uint8_t>& out, const std::string& s) {
    put<std::uint64_t>(out, s.size());
    out.insert(out.end(), s.begin(), s.end());
}

constexpr std::uint64_t kAlign = 32;

}  // namespace

GgufBuilder& GgufBuilder::string(const std::string& key, const std::string& value) {
    putString(m_kv, key);
    put<std::uint32_t>(m_kv, 8);
    putString(m_kv, value);
    ++m_kvCount;
    return *this;
}

GgufBuilder& GgufBuilder::u32(const std::string& key, std::uint32_t value) {
    putString(m_kv, key);
    put<std::uint32_t>(m_kv, 4);
    put(m_kv, value);
    ++m_kvCount;
    return *this;
}

GgufBuilder& GgufBuilder::i32(const std::string& key, std::int32_t value) {
    putString(m_kv, key);
    put<std::uint32_t>(m_kv, 5);
    put(m_kv, value);
    ++m_kvCount;
    return *this;
}

GgufBuilder& GgufBuilder::f32(const std::string& key, float value) {
    putString(m_kv, key);
    put<std::uint32_t>(m_kv, 6);
    put(m_kv, value);
    ++m_kvCount;
    return *this;
}

GgufBuilder& GgufBuilder::boolean(const std::string& key, bool value) {
    putString(m_kv, key);
    put<std::uint32_t>(m_kv, 7);
    put<std::uint8_t>(m_kv, value ? 1 : 0);
    ++m_kvCount;
    return *this;
}

GgufBuilder& GgufBuilder::strings(const std::string& key, const std::vector<std::string>& values) {
    putString(m_kv, key);
    put<std::uint32_t>(m_kv, 9);
    put<std::uint32_t>(m_kv, 8);
    put<std::uint64_t>(m_kv, values.size());
    for (const auto& v : values) putString(m_kv, v);
    ++m_kvCount;
    return *this;
}

GgufBuilder& GgufBuilder::floats(const std::string& key, const std::vector<float>& values) {
    putString(m_kv, key);
    put<std::uint32_t>(m_kv, 9);
    put<std::uint32_t>(m_kv, 6);
    put<std::uint64_t>(m_kv, values.size());
    for (float v : values) put(m_kv, v);
    ++m_kvCount;
    return *this;
}

GgufBuilder& GgufBuilder::ints(const std::string& key, const std::vector<std::int32_t>& values) {
    putString(m_kv, key);
    put<std::uint32_t>(m_kv, 9);
    put<std::uint32_t>(m_kv, 5);
    put<std::uint64_t>(m_kv, values.size());
    for (auto v : values) put(m_kv, v);
    ++m_kvCount;
    return *this;
}

GgufBuilder& GgufBuilder::tensor(const std::string& name, std::vector<std::uint64_t> ne, std::uint32_t type,
                                 std::vector<std::uint8_t> data) {
    m_tensors.push_back({name, std::move(ne), type, std::move(data)});
    return *this;
}

GgufBuilder& GgufBuilder::tensorF32(const std::string& name, std::vector<std::uint64_t> ne,
                                    const std::vector<float>& values) {
    std::vector<std::uint8_t> data(values.size() * 4);
    std::memcpy(data.data(), values.data(), data.size());
    return tensor(name, std::move(ne), 0, std::move(data));
}

std::vector<std::uint8_t> GgufBuilder::header() const {
    std::vector<std::uint8_t> out = {'G', 'G', 'U', 'F'};
    put<std::uint32_t>(out, m_version);
    put<std::uint64_t>(out, m_tensors.size());
    put<std::uint64_t>(out, m_kvCount);
    out.insert(out.end(), m_kv.begin(), m_kv.end());
    return out;
}

std::size_t GgufBuilder::tensorInfoOffset() const { return header().size(); }

std::vector<std::uint8_t> GgufBuilder::bytes() const {
    std::vector<std::uint8_t> out = header();
    std::uint64_t offset = 0;
    for (const auto& t : m_tensors) {
        putString(out, t.name);
        put<std::uint32_t>(out, static_cast<std::uint32_t>(t.ne.size()));
        for (auto n : t.ne) put<std::uint64_t>(out, n);
        put<std::uint32_t>(out, t.type);
        put<std::uint64_t>(out, offset);
        offset += (t.data.size() + kAlign - 1) / kAlign * kAlign;
    }
    while (out.size() % kAlign) out.push_back(0);
    for (const auto& t : m_tensors) {
        out.insert(out.end(), t.data.begin(), t.data.end());
        while (out.size() % kAlign) out.push_back(0);
    }
    return out;
}

std::size_t GgufBuilder::dataOffset() const {
    std::size_t n = header().size();
    for (const auto& t : m_tensors) n += 8 + t.name.size() + 4 + 8 * t.ne.size() + 4 + 8;
    return (n + kAlign - 1) / kAlign * kAlign;
}

void GgufBuilder::write(const std::filesystem::path& path) const { write(path, bytes()); }

void GgufBuilder::write(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace attnviz::test
