// vocab.json + merges.txt (byte-level BPE): the input is vocab.json, a NUL
// byte, then merges.txt (no NUL: all of it is vocab.json and merges.txt is
// empty).
#include "fuzz_support.h"

using namespace attnviz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const std::size_t nul = bytes.find('\0');
    const std::filesystem::path dir = fuzz::scratchDir("bpe-vocab");
    fuzz::writeBytes(dir / "vocab.json", bytes.substr(0, nul));
    fuzz::writeBytes(dir / "merges.txt", nul == std::string_view::npos ? std::string_view() : bytes.substr(nul + 1));
    auto tok = core::loadTokenizer(dir, core::TokenizerFormat::ByteLevelBpeVocab);
    if (!fuzz::okOrCheckedError(tok)) return 0;
    fuzz::exerciseTokenizer(**tok);
    return 0;
}
