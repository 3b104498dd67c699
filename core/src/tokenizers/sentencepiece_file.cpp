#include "sentencepiece_file.h"

#include "../message_text.h"

#include <sentencepiece_processor.h>

#include <exception>
#include <fstream>
#include <new>
#include <sstream>

namespace attnviz::core {
namespace {

constexpr std::uintmax_t kMaxModelBytes = 64ull << 20;

}  // namespace

Result<std::string> readSentencePieceFile(const std::filesystem::path& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return makeError(ErrorCode::Io, "cannot read '" + path.string() + "': " + ec.message());
    if (size > kMaxModelBytes) {
        return makeError(ErrorCode::CorruptFile, "'" + path.string() + "' is too large for a SentencePiece model");
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (!in && !in.eof()) return makeError(ErrorCode::Io, "cannot read '" + path.string() + "'");
    return bytes.str();
}

Status loadSentencePieceProto(sentencepiece::SentencePieceProcessor& sp, const std::string& proto,
                              const std::string& source) {
    std::string failure;
    try {
        if (const auto status = sp.LoadFromSerializedProto(proto); !status.ok()) failure = status.ToString();
    } catch (const std::bad_alloc&) {
        throw;  // guardAllocation's
    } catch (const std::exception& e) {
        // The library's trie builder throws on some bad models (a piece of
        // zero length in a unigram model) instead of returning a status.
        failure = e.what();
    }
    if (!failure.empty()) {
        return makeError(ErrorCode::CorruptFile,
                         source + " is not a valid SentencePiece model: " + escapedForMessage(failure));
    }
    return Status::success();
}

}  // namespace attnviz::core
