// vocab.txt (WordPiece) of arbitrary bytes.
#include "fuzz_support.h"

using namespace attnviz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::filesystem::path dir = fuzz::scratchDir("vocab-txt");
    fuzz::writeBytes(dir / "vocab.txt", std::string_view(reinterpret_cast<const char*>(data), size));
    auto tok = core::loadTokenizer(dir, core::TokenizerFormat::WordPieceVocab);
    if (!fuzz::okOrCheckedError(tok)) return 0;
    fuzz::exerciseTokenizer(**tok);
    return 0;
}
