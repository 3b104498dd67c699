#include "attnviz/core/safetensors_writer.h"

#include "out_of_memory.h"

#include <nlohmann/json.hpp>

#include <bit>
#include <cmath>
#include <cerrno>
#include <cstring>

namespace attnviz::core {

std::uint16_t floatToBfloat16(float value) {
    std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
    if (std::isnan(value)) return 0x7fc0;
    bits += 0x7fff + ((bits >> 16) & 1);  // round to nearest even
    return static_cast<std::uint16_t>(bits >> 16);
}

std::uint16_t floatToHalf(float value) {
    const std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
    const std::uint16_t sign = static_cast<std::uint16_t>((bits >> 16) & 0x8000u);
    const float a = std::fabs(value);
    if (std::isnan(value)) return sign | 0x7e00;
    if (a >= 65520.0f) return sign | 0x7c00;  // overflow to inf
    if (a < 6.103515625e-05f) {
        // Subnormal (or zero): multiples of 2^-24.
        return sign | static_cast<std::uint16_t>(std::nearbyint(a * 16777216.0f));
    }
    std::uint32_t m = bits & 0x7fffffffu;
    // Re-bias the exponent from 127 to 15 and round the mantissa to 10 bits.
    m += 0x0fff + ((m >> 13) & 1);
    return sign | static_cast<std::uint16_t>((m - (112u << 23)) >> 13);
}

Status SafetensorsWriter::write(const std::filesystem::path& path, const std::vector<Entry>& entries,
                                const Filler& fill, const Metadata& metadata) {
    std::FILE* out = std::fopen(path.c_str(), "wb");
    if (out == nullptr) return makeError(ErrorCode::Io, "cannot write '" + path.string() + "': " + std::strerror(errno));
    Status written = write(out, "'" + path.string() + "'", entries, fill, metadata);
    if (std::fclose(out) != 0 && written) {
        written = makeError(ErrorCode::Io, "writing '" + path.string() + "' failed: " + std::strerror(errno));
    }
    return written;
}

Status SafetensorsWriter::write(std::FILE* out, const std::string& name, const std::vector<Entry>& entries,
                                const Filler& fill, const Metadata& metadata) {
    nlohmann::json header = nlohmann::json::object();
    header["__metadata__"] = {{"format", "pt"}};
    for (const auto& [key, value] : metadata) header["__metadata__"][key] = value;
    std::uint64_t offset = 0;
    for (const Entry& e : entries) {
        std::uint64_t numel = 1;
        for (auto d : e.shape) numel *= static_cast<std::uint64_t>(d);
        const std::uint64_t bytes = numel * dtypeSize(e.dtype);
        header[e.name] = {{"dtype", std::string(dtypeName(e.dtype))}, {"shape", e.shape}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string text = header.dump();
    while (text.size() % 8 != 0) text += ' ';

    bool ok = true;
    const auto put = [&](const void* data, std::size_t bytes) {
        ok = ok && std::fwrite(data, 1, bytes, out) == bytes;
    };
    const std::uint64_t len = text.size();
    put(&len, 8);
    put(text.data(), text.size());
    std::vector<float> values;
    std::vector<std::uint16_t> halves;
    for (std::size_t i = 0; i < entries.size() && ok; ++i) {
        std::uint64_t numel = 1;
        for (auto d : entries[i].shape) numel *= static_cast<std::uint64_t>(d);
        const Status written = guardAllocation("tensor '" + entries[i].name + "'", numel * sizeof(float), [&] {
            values.assign(numel, 0.0f);
            fill(i, values);
            if (entries[i].dtype == DType::F32) {
                put(values.data(), numel * 4);
            } else {
                halves.resize(numel);
                for (std::size_t k = 0; k < numel; ++k) {
                    halves[k] = entries[i].dtype == DType::F16 ? floatToHalf(values[k]) : floatToBfloat16(values[k]);
                }
                put(halves.data(), numel * 2);
            }
            return Status::success();
        });
        if (!written) return written;
    }
    if (!ok || std::fflush(out) != 0) {
        return makeError(ErrorCode::Io, "writing " + name + " failed: " + std::strerror(errno));
    }
    return Status::success();
}

}  // namespace attnviz::core
