#include "attnviz/core/safetensors_file.h"

#include "checked_math.h"
#include "json_file.h"
#include "message_text.h"
#include "out_of_memory.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <optional>
#include <set>

namespace attnviz::core {
namespace {

std::string shapeText(const std::vector<std::int64_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i) s += ", ";
        s += std::to_string(shape[i]);
    }
    return s + "]";
}

// Parses one header entry into `info` (data pointer relative to the data
// section start). A dtype attnviz does not read is unsupported; anything else
// wrong is a corrupt file.
Status parseEntry(const std::string& name, const nlohmann::json& entry, std::uint64_t dataSize,
                  const std::byte* dataStart, TensorInfo& info, std::uint64_t& begin) {
    const std::string where = "tensor '" + name + "'";
    auto corrupt = [](std::string what) { return makeError(ErrorCode::CorruptFile, std::move(what)); };
    if (!entry.is_object()) return corrupt(where + ": header entry is not an object");
    const auto dt = entry.find("dtype");
    if (dt == entry.end() || !dt->is_string()) return corrupt(where + ": missing \"dtype\"");
    const auto dtype = parseDType(dt->get<std::string>());
    if (!dtype) {
        return makeError(ErrorCode::Unsupported,
                         where + " has dtype " + dt->get<std::string>() + "; supported: F32, F16, BF16");
    }
    const auto sh = entry.find("shape");
    if (sh == entry.end() || !sh->is_array()) return corrupt(where + ": missing \"shape\"");
    if (sh->size() > 8) return corrupt(where + ": shape has " + std::to_string(sh->size()) + " dimensions");
    std::uint64_t numel = 1;
    for (const auto& d : *sh) {
        if (!d.is_number_unsigned()) return corrupt(where + ": shape entries must be non-negative integers");
        const auto dim = d.get<std::uint64_t>();
        if (dim > static_cast<std::uint64_t>(INT64_MAX)) return corrupt(where + ": dimension too large");
        const auto n = checkedMul(numel, dim);
        if (!n) return corrupt(where + ": element count overflows");
        numel = *n;
        info.shape.push_back(static_cast<std::int64_t>(dim));
    }
    const auto bytes = checkedMul(numel, dtypeSize(*dtype));
    if (!bytes) return corrupt(where + ": byte size overflows");
    const auto off = entry.find("data_offsets");
    if (off == entry.end() || !off->is_array() || off->size() != 2 || !(*off)[0].is_number_unsigned() ||
        !(*off)[1].is_number_unsigned()) {
        return corrupt(where + ": \"data_offsets\" must be two non-negative integers");
    }
    begin = (*off)[0].get<std::uint64_t>();
    const auto end = (*off)[1].get<std::uint64_t>();
    if (end < begin) return corrupt(where + ": data_offsets end before they begin");
    if (end > dataSize) {
        return corrupt(where + " data [" + std::to_string(begin) + ", " + std::to_string(end) +
                       ") is not within the file's data section of " + std::to_string(dataSize) +
                       " bytes: the file is corrupted or truncated");
    }
    if (end - begin != *bytes) {
        return corrupt(where + ": shape " + shapeText(info.shape) + " x " + std::string(dtypeName(*dtype)) + " needs " +
                       std::to_string(*bytes) + " bytes but data_offsets span " + std::to_string(end - begin));
    }
    info.name = name;
    info.dtype = *dtype;
    info.numel = numel;
    info.byteSize = *bytes;
    info.data = dataStart + begin;
    return Status::success();
}

}  // namespace

Result<SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& path) {
    auto mapped = MappedFile::open(path);
    if (!mapped) return mapped.takeError();
    SafetensorsFile file;
    file.m_file = std::move(mapped.value());
    const std::string where = "'" + path.string() + "'";
    const auto bytes = file.m_file.bytes();

    if (bytes.size() < 8) {
        return makeError(ErrorCode::CorruptFile, where + " is " + std::to_string(bytes.size()) +
                                                     " bytes long, too short for a safetensors header");
    }
    std::uint64_t headerLen = 0;
    std::memcpy(&headerLen, bytes.data(), 8);  // little-endian host
    if (headerLen > kMaxHeaderBytes) {
        return makeError(ErrorCode::CorruptFile, where + ": header length " + std::to_string(headerLen) +
                                                     " exceeds the " + std::to_string(kMaxHeaderBytes) +
                                                     "-byte limit (not a safetensors file?)");
    }
    if (headerLen > bytes.size() - 8) {
        return makeError(ErrorCode::CorruptFile, where + ": header length " + std::to_string(headerLen) +
                                                     " reaches beyond the end of the " + std::to_string(bytes.size()) +
                                                     "-byte file (truncated?)");
    }
    const char* headerStart = reinterpret_cast<const char*>(bytes.data() + 8);
    if (jsonNestingDepth({headerStart, static_cast<std::size_t>(headerLen)}) > kMaxJsonDepth) {
        return makeError(ErrorCode::CorruptFile, where + ": header is nested more than " +
                                                     std::to_string(kMaxJsonDepth) + " levels deep");
    }
    nlohmann::json header;
    // A tensor named twice would silently keep one entry: refuse it. A name
    // with a control character (no real checkpoint has one) is refused too,
    // so every message that quotes a tensor name stays one line.
    std::set<std::string> names;
    std::string duplicate;
    std::optional<std::string> controlName;
    const auto noteKeys = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        if (depth == 1 && event == nlohmann::json::parse_event_t::key) {
            std::string key = parsed.get<std::string>();
            if (!controlName && hasControlCharacter(key)) controlName = key;
            if (duplicate.empty() && !names.insert(key).second) duplicate = std::move(key);
        }
        return true;
    };
    try {
        header = nlohmann::json::parse(headerStart, headerStart + headerLen, noteKeys);
    } catch (const nlohmann::json::exception& e) {
        return makeError(ErrorCode::CorruptFile, where + ": header is not valid JSON (" + e.what() + ")");
    } catch (const std::bad_alloc&) {
        return outOfMemory("the header of " + where, headerLen);
    }
    if (!header.is_object()) return makeError(ErrorCode::CorruptFile, where + ": header is not a JSON object");
    if (controlName) {
        return makeError(ErrorCode::CorruptFile, where + ": tensor name " + quotedForMessage(*controlName) +
                                                     " holds a control character");
    }
    if (!duplicate.empty()) {
        return makeError(ErrorCode::CorruptFile, where + ": tensor '" + duplicate + "' is listed twice in the header");
    }

    const std::byte* dataStart = bytes.data() + 8 + headerLen;
    const std::uint64_t dataSize = bytes.size() - 8 - headerLen;
    std::vector<std::pair<std::uint64_t, std::size_t>> spans;  // (begin, index)
    for (auto it = header.begin(); it != header.end(); ++it) {
        if (it.key() == "__metadata__") {
            if (!it->is_object()) return makeError(ErrorCode::CorruptFile, where + ": __metadata__ is not an object");
            for (auto m = it->begin(); m != it->end(); ++m) {
                if (m->is_string()) file.m_metadata[m.key()] = m->get<std::string>();
            }
            continue;
        }
        TensorInfo info;
        std::uint64_t begin = 0;
        if (Status st = parseEntry(it.key(), it.value(), dataSize, dataStart, info, begin); !st) {
            return prefixError(where + ": ", st.takeError());
        }
        spans.emplace_back(begin, file.m_tensors.size());
        file.m_tensors.push_back(std::move(info));
    }

    // Spans must not overlap (empty tensors overlap nothing).
    std::sort(spans.begin(), spans.end());
    std::uint64_t prevEnd = 0;
    std::string prevName;
    for (const auto& [begin, index] : spans) {
        const TensorInfo& t = file.m_tensors[index];
        if (t.byteSize == 0) continue;
        if (begin < prevEnd) {
            return makeError(ErrorCode::CorruptFile,
                             where + ": tensor '" + t.name + "' overlaps tensor '" + prevName + "'");
        }
        prevEnd = begin + t.byteSize;
        prevName = t.name;
    }
    std::sort(file.m_tensors.begin(), file.m_tensors.end(),
              [](const TensorInfo& a, const TensorInfo& b) { return a.name < b.name; });
    return file;
}

const TensorInfo* SafetensorsFile::find(std::string_view name) const {
    auto it = std::lower_bound(m_tensors.begin(), m_tensors.end(), name,
                               [](const TensorInfo& t, std::string_view n) { return t.name < n; });
    return (it != m_tensors.end() && it->name == name) ? &*it : nullptr;
}

}  // namespace attnviz::core
