// A SentencePiece .model file of arbitrary bytes.
#include "fuzz_support.h"

#include <algorithm>

using namespace attnviz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::filesystem::path dir = fuzz::scratchDir("sentencepiece");
    fuzz::writeBytes(dir / "tokenizer.model", std::string_view(reinterpret_cast<const char*>(data), size));
    auto tok = core::loadTokenizer(dir, core::TokenizerFormat::SentencePiece);
    if (!fuzz::okOrCheckedError(tok)) return 0;
    // Pieces that are not valid UTF-8 included: decode, display and piece
    // repair them to U+FFFD (tokenizer.h's promise).
    fuzz::TokenizerChecks checks;
    for (std::int32_t id = 0; id < std::min<std::int32_t>((*tok)->vocabSize(), 4096); ++id)
        FUZZ_CHECK(fuzz::validUtf8((*tok)->piece(id)), "piece " + std::to_string(id));
    fuzz::exerciseTokenizer(**tok, checks);
    return 0;
}
