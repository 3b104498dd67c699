// Tiny tokenizer files written by tests: each test states its own vocabulary
// in code (a tokenizer.json as JSON, a SentencePiece model as a protobuf
// built field by field), so expected ids can be derived by hand.
#pragma once

#include "attnviz/core/result.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz::test {

// An error names the file; the caller fails its test with it.
core::Status writeFile(const std::filesystem::path& path, std::string_view content);
core::Status writeJson(const std::filesystem::path& path, const nlohmann::json& j);

// One piece of a SentencePiece model; `type` as in sentencepiece_model.proto.
struct SpPiece {
    enum Type { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Byte = 6 };
    std::string piece;
    float score = 0.0f;
    Type type = Normal;
};

struct SpModelSpec {
    enum ModelType { Unigram = 1, Bpe = 2 };
    std::vector<SpPiece> pieces;  // id = position
    ModelType modelType = Unigram;
    bool byteFallback = false;
    bool addDummyPrefix = true;
    bool removeExtraWhitespaces = false;
};

// A serialized ModelProto (identity normalisation: no NFKC rules).
std::string sentencePieceModel(const SpModelSpec& spec);
// The 256 byte pieces <0x00>..<0xFF>.
std::vector<SpPiece> spBytePieces();

}  // namespace attnviz::test
