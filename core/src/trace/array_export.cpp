#include "attnviz/core/array_export.h"

#include "attnviz/core/safetensors_writer.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace attnviz::core {
namespace {

// The (layer, head) pairs of the selection, in C order.
std::vector<std::pair<int, int>> headsOf(const AttentionArrays& a, const ArraySelection& s) {
    std::vector<std::pair<int, int>> out;
    const int firstLayer = s.scope == ArraySelection::Scope::All ? 0 : s.layer;
    const int endLayer = s.scope == ArraySelection::Scope::All ? a.nLayers : s.layer + 1;
    for (int l = firstLayer; l < endLayer; ++l) {
        if (s.scope == ArraySelection::Scope::Head) {
            out.emplace_back(l, s.head);
        } else {
            for (int h = 0; h < a.nHeads; ++h) out.emplace_back(l, h);
        }
    }
    return out;
}

}  // namespace

Status checkSelection(const AttentionArrays& a, const ArraySelection& s) {
    if (a.nLayers <= 0 || a.nHeads <= 0 || a.rows <= 0 || a.cols <= 0) {
        return makeError(ErrorCode::InvalidInput, "the run holds no attention");
    }
    if (s.scope != ArraySelection::Scope::All && (s.layer < 0 || s.layer >= a.nLayers)) {
        return makeError(ErrorCode::InvalidInput,
                         "layer " + std::to_string(s.layer) + " is outside 0.." + std::to_string(a.nLayers - 1));
    }
    if (s.scope == ArraySelection::Scope::Head && (s.head < 0 || s.head >= a.nHeads)) {
        return makeError(ErrorCode::InvalidInput,
                         "head " + std::to_string(s.head) + " is outside 0.." + std::to_string(a.nHeads - 1));
    }
    return {};
}

bool writeAttentionNpy(std::FILE* out, const AttentionArrays& a, const ArraySelection& s) {
    std::string shape = "(";
    if (s.scope == ArraySelection::Scope::All) shape += std::to_string(a.nLayers) + ", ";
    if (s.scope != ArraySelection::Scope::Head) shape += std::to_string(a.nHeads) + ", ";
    shape += std::to_string(a.rows) + ", " + std::to_string(a.cols) + ")";
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    // Magic (6) + version (2) + length (2) + header + '\n', padded to 64 bytes.
    const std::size_t unpadded = 10 + header.size() + 1;
    header.append((64 - unpadded % 64) % 64, ' ');
    header += '\n';
    const auto length = static_cast<std::uint16_t>(header.size());
    const unsigned char prefix[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<unsigned char>(length & 0xFF),
                                      static_cast<unsigned char>(length >> 8)};
    if (std::fwrite(prefix, 1, sizeof prefix, out) != sizeof prefix) return false;
    if (std::fwrite(header.data(), 1, header.size(), out) != header.size()) return false;
    const std::size_t count = static_cast<std::size_t>(a.rows) * static_cast<std::size_t>(a.cols);
    for (const auto& [l, h] : headsOf(a, s)) {
        // float32 in memory is little-endian on every machine attnviz builds for.
        if (std::fwrite(a.probs(l, h), sizeof(float), count, out) != count) return false;
    }
    return std::ferror(out) == 0;
}

Status writeAttentionSafetensors(std::FILE* out, const std::string& name, const AttentionArrays& a,
                                 const ArraySelection& s, const std::map<std::string, std::string>& metadata) {
    const auto heads = headsOf(a, s);
    std::vector<SafetensorsWriter::Entry> entries;
    for (const auto& [l, h] : heads) {
        entries.push_back({"attention." + std::to_string(l) + "." + std::to_string(h), DType::F32, {a.rows, a.cols}});
    }
    const std::size_t count = static_cast<std::size_t>(a.rows) * static_cast<std::size_t>(a.cols);
    return SafetensorsWriter::write(
        out, name, entries,
        [&](std::size_t index, std::vector<float>& values) {
            const float* p = a.probs(heads[index].first, heads[index].second);
            values.assign(p, p + count);
        },
        metadata);
}

}  // namespace attnviz::core
