#include "tiny_files.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace attnviz::test {
namespace {

// Protocol buffer wire format, just what a ModelProto needs.
void varint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out += static_cast<char>((v & 0x7F) | 0x80);
        v >>= 7;
    }
    out += static_cast<char>(v);
}
void tag(std::string& out, int field, int wireType) { varint(out, static_cast<std::uint64_t>(field << 3 | wireType)); }
void bytesField(std::string& out, int field, std::string_view bytes) {
    tag(out, field, 2);
    varint(out, bytes.size());
    out.append(bytes);
}
void intField(std::string& out, int field, std::uint64_t v) {
    tag(out, field, 0);
    varint(out, v);
}
void floatField(std::string& out, int field, float f) {
    tag(out, field, 5);
    char raw[4];
    std::memcpy(raw, &f, 4);  // little-endian machines only, like the tests' host
    out.append(raw, 4);
}

}  // namespace

core::Status writeFile(const std::filesystem::path& path, std::string_view content) {
    std::ofstream out(path, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) return core::makeError(core::ErrorCode::Io, "cannot write " + path.string());
    return core::Status::success();
}

core::Status writeJson(const std::filesystem::path& path, const nlohmann::json& j) { return writeFile(path, j.dump(2)); }

std::string sentencePieceModel(const SpModelSpec& spec) {
    std::string model;
    for (const SpPiece& p : spec.pieces) {
        std::string piece;
        bytesField(piece, 1, p.piece);
        floatField(piece, 2, p.score);
        intField(piece, 3, static_cast<std::uint64_t>(p.type));
        bytesField(model, 1, piece);
    }
    std::string trainer;
    intField(trainer, 3, static_cast<std::uint64_t>(spec.modelType));
    intField(trainer, 4, spec.pieces.size());
    intField(trainer, 35, spec.byteFallback ? 1 : 0);
    bytesField(model, 2, trainer);
    std::string normalizer;
    bytesField(normalizer, 1, "identity");
    intField(normalizer, 3, spec.addDummyPrefix ? 1 : 0);
    intField(normalizer, 4, spec.removeExtraWhitespaces ? 1 : 0);
    intField(normalizer, 5, 1);  // escape_whitespaces: spaces become "▁"
    bytesField(model, 3, normalizer);
    return model;
}

std::vector<SpPiece> spBytePieces() {
    std::vector<SpPiece> pieces;
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof(name), "<0x%02X>", b);
        pieces.push_back({name, 0.0f, SpPiece::Byte});
    }
    return pieces;
}

}  // namespace attnviz::test
