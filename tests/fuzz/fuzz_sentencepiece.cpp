// A SentencePiece .model file of arbitrary bytes.
#include "fuzz_support.h"

using namespace attnviz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::filesystem::path dir = fuzz::scratchDir("sentencepiece");
    fuzz::writeBytes(dir / "tokenizer.model", std::string_view(reinterpret_cast<const char*>(data), size));
    auto tok = core::loadTokenizer(dir, core::TokenizerFormat::SentencePiece);
    if (!fuzz::okOrCheckedError(tok)) return 0;
    fuzz::TokenizerChecks checks;
    // A model whose pieces are not all valid UTF-8 is where decode's U+FFFD
    // promise is enforced by the SentencePiece decode fix (a separate change
    // in sentencepiece_tokenizer.cpp); this target checks UTF-8 output only
    // for models whose pieces are valid.
    for (std::int32_t id = 0; id < (*tok)->vocabSize() && checks.utf8Output; ++id)
        checks.utf8Output = fuzz::validUtf8((*tok)->piece(id));
    fuzz::exerciseTokenizer(**tok, checks);
    return 0;
}
