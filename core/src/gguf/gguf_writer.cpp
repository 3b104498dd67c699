#include "gguf_writer.h"

#include "ggml_quantize.h"

#include <cerrno>
#include <cstring>

namespace attnviz::core {
namespace {

constexpr std::uint64_t kAlignment = 32;

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

std::uint64_t byteSize(const GgufTensorToWrite& t) {
    const GgmlTypeInfo& info = ggmlTypeInfo(t.type);
    std::uint64_t n = 1;
    for (auto d : t.ne) n *= d;
    return n / info.blockSize * info.blockBytes;
}

}  // namespace

void GgufMetadataWriter::key(const std::string& k, std::uint32_t type) {
    putString(m_bytes, k);
    put<std::uint32_t>(m_bytes, type);
    ++m_count;
}
void GgufMetadataWriter::string(const std::string& k, const std::string& v) { key(k, 8), putString(m_bytes, v); }
void GgufMetadataWriter::u32(const std::string& k, std::uint32_t v) { key(k, 4), put(m_bytes, v); }
void GgufMetadataWriter::i32(const std::string& k, std::int32_t v) { key(k, 5), put(m_bytes, v); }
void GgufMetadataWriter::f32(const std::string& k, float v) { key(k, 6), put(m_bytes, v); }
void GgufMetadataWriter::boolean(const std::string& k, bool v) { key(k, 7), put<std::uint8_t>(m_bytes, v ? 1 : 0); }

Status writeGguf(std::FILE* out, const std::string& name, const GgufMetadataWriter& metadata,
                 const std::vector<GgufTensorToWrite>& tensors,
                 const std::function<void(std::size_t, std::vector<float>&)>& fill) {
    std::vector<std::uint8_t> header = {'G', 'G', 'U', 'F'};
    put<std::uint32_t>(header, 3);
    put<std::uint64_t>(header, tensors.size());
    put<std::uint64_t>(header, metadata.count());
    header.insert(header.end(), metadata.bytes().begin(), metadata.bytes().end());
    std::uint64_t offset = 0;
    for (const auto& t : tensors) {
        const GgmlTypeInfo& info = ggmlTypeInfo(t.type);
        if (!ggmlCanQuantize(t.type) || t.ne.empty() || t.ne[0] % info.blockSize != 0) {
            return makeError(ErrorCode::InvalidInput, name + ": cannot write tensor '" + t.name + "' as " +
                                                          std::string(info.name));
        }
        putString(header, t.name);
        put<std::uint32_t>(header, static_cast<std::uint32_t>(t.ne.size()));
        for (auto d : t.ne) put<std::uint64_t>(header, d);
        put<std::uint32_t>(header, static_cast<std::uint32_t>(t.type));
        put<std::uint64_t>(header, offset);
        offset += (byteSize(t) + kAlignment - 1) / kAlignment * kAlignment;
    }
    while (header.size() % kAlignment) header.push_back(0);
    auto writeBytes = [&](const void* p, std::size_t n) {
        return n == 0 || std::fwrite(p, 1, n, out) == n;
    };
    auto ioError = [&] { return makeError(ErrorCode::Io, name + ": " + std::strerror(errno)); };
    if (!writeBytes(header.data(), header.size())) return ioError();
    std::vector<float> values;
    std::vector<std::byte> encoded;
    const std::byte zeros[kAlignment] = {};
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        const auto& t = tensors[i];
        std::uint64_t n = 1;
        for (auto d : t.ne) n *= d;
        values.assign(n, 0.0f);
        fill(i, values);
        encoded.resize(byteSize(t));
        quantizeGgml(t.type, values.data(), n, encoded.data());
        if (!writeBytes(encoded.data(), encoded.size())) return ioError();
        const std::size_t pad = (kAlignment - encoded.size() % kAlignment) % kAlignment;
        if (!writeBytes(zeros, pad)) return ioError();
    }
    return Status::success();
}

}  // namespace attnviz::core
