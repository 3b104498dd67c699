#include "attnviz/core/tokenizer.h"

#include "sentencepiece_tokenizer.h"

namespace attnviz::core {

std::vector<std::int32_t> Encoding::ids() const {
    std::vector<std::int32_t> out;
    out.reserve(tokens.size());
    for (const Token& t : tokens) out.push_back(t.id);
    return out;
}

std::vector<std::int32_t> Encoding::typeIds() const {
    std::vector<std::int32_t> out;
    out.reserve(tokens.size());
    for (const Token& t : tokens) out.push_back(t.typeId);
    return out;
}

std::optional<std::size_t> findInvalidUtf8(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n) {
        const unsigned char c = p[i];
        std::size_t len;
        std::uint32_t cp;
        if (c < 0x80) { ++i; continue; }
        if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
        else return i;
        if (i + len > n) return i;
        for (std::size_t k = 1; k < len; ++k) {
            if ((p[i + k] & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        // Overlong forms, surrogates and values beyond U+10FFFF are invalid.
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF)) {
            return i;
        }
        i += len;
    }
    return std::nullopt;
}

Result<std::unique_ptr<Tokenizer>> loadTokenizer(const std::filesystem::path& dir) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(dir / "tokenizer.model", ec)) return SentencePieceTokenizer::load(dir);
    return makeError("no supported tokenizer in '" + dir.string() +
                     "' (looked for tokenizer.model); run the model from token ids with --ids");
}

}  // namespace attnviz::core
