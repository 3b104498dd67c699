// Reading a SentencePiece model file (tokenizer.model, spiece.model, Marian's
// source.spm / target.spm) into a SentencePieceProcessor, with the size cap
// and the library's failures turned into one-line errors naming the file.
#pragma once

#include "attnviz/core/result.h"

#include <filesystem>
#include <string>

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace attnviz::core {

// The bytes of a model file (a serialized ModelProto), at most 64 MiB.
Result<std::string> readSentencePieceFile(const std::filesystem::path& path);

// Loads `proto` into `sp`; `source` names it in errors ("'dir/spiece.model'").
Status loadSentencePieceProto(sentencepiece::SentencePieceProcessor& sp, const std::string& proto,
                              const std::string& source);

}  // namespace attnviz::core
