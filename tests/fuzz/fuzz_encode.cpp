// Arbitrary bytes encoded by every kind of tokenizer (built from small valid
// files). First byte: the tokenizer (tinyTokenizers() index, modulo), bit 7 =
// no special tokens around the text; bit 6 = the rest splits at its first NUL
// into text and pair. Valid UTF-8 must encode (every tiny tokenizer covers
// every character, by an unknown token or by bytes), invalid UTF-8 must be
// refused; ids within the vocabulary, spans inside the text, decode valid
// UTF-8, and the lossless tokenizers must give the text back.
#include "fuzz_support.h"
#include "tiny_tokenizers.h"

using namespace attnviz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const auto& tiny = fuzz::tinyTokenizers();
    const std::size_t index = (data[0] & 0x3F) % tiny.size();
    const core::Tokenizer& tok = fuzz::loadedTinyTokenizer(index);
    const bool addSpecials = (data[0] & 0x80) == 0;
    std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    std::optional<std::string_view> pair;
    if ((data[0] & 0x40) != 0) {
        const std::size_t nul = text.find('\0');
        if (nul != std::string_view::npos) {
            pair = text.substr(nul + 1);
            text = text.substr(0, nul);
        }
    }
    fuzz::checkEncode(tok, text, pair, addSpecials, {});

    const bool valid = fuzz::validUtf8(text) && (!pair || fuzz::validUtf8(*pair));
    core::EncodeOptions options;
    options.addSpecialTokens = addSpecials;
    const auto enc = tok.encode(text, tok.supportsPairs() ? pair : std::nullopt, options);
    FUZZ_CHECK(enc.ok() == valid, tiny[index].name + (enc ? std::string() : ": " + enc.error()));
    if (valid && tiny[index].lossless && !pair && !addSpecials) {
        const auto decoded = tok.decode(enc->ids());
        FUZZ_CHECK(decoded.ok() && *decoded == text, tiny[index].name + ": decode(encode(text)) != text");
    }
    return 0;
}
