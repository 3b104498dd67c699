// How a Session turns what the user typed into tokens: text through the
// tokenizer, or token ids when the model has none (or the user typed ids).
#include "attnviz/core/session.h"

#include "attnviz/core/predictions.h"

#include <charconv>
#include <limits>

namespace attnviz::core {
namespace {

std::size_t codePoints(std::string_view utf8) {
    std::size_t n = 0;
    for (const char c : utf8) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
}

bool isIdSeparator(char c) { return c == ',' || c == ';' || c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

SessionLimits SessionLimits::none() {
    SessionLimits limits;
    limits.maxTokens = std::numeric_limits<int>::max();
    limits.maxTextChars = std::numeric_limits<std::size_t>::max();
    limits.maxLogitEntries = std::numeric_limits<long long>::max();
    return limits;
}

std::string tokenDisplayText(const Tokenizer* tokenizer, std::int32_t id) {
    std::string display = tokenizer != nullptr ? tokenizer->display(id) : std::string();
    return display.empty() ? "#" + std::to_string(id) : display;
}

Result<std::vector<Token>> tokensFromIds(const Tokenizer* tokenizer, std::span<const std::int32_t> ids,
                                         std::span<const std::int32_t> types) {
    if (!types.empty() && types.size() != ids.size()) {
        return makeError(ErrorCode::InvalidInput, std::to_string(types.size()) + " token types for " +
                                                      std::to_string(ids.size()) + " ids");
    }
    std::vector<Token> tokens;
    tokens.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
        Token t;
        t.id = ids[i];
        t.typeId = types.empty() ? 0 : types[i];
        t.segment = t.typeId;
        if (tokenizer != nullptr) {
            t.piece = tokenizer->piece(t.id);
            t.special = isMaskPiece(t.piece);
        }
        t.display = tokenDisplayText(tokenizer, t.id);
        tokens.push_back(std::move(t));
    }
    return tokens;
}

Result<std::vector<Token>> encodeInput(const Tokenizer& tokenizer, const SessionInput& input) {
    if (input.usePair && !tokenizer.supportsPairs()) {
        return makeError(ErrorCode::InvalidInput, "this tokenizer does not take sentence pairs");
    }
    auto enc = input.usePair ? tokenizer.encode(input.text, std::string_view(input.pair)) : tokenizer.encode(input.text);
    if (!enc) return enc.takeError();
    return std::move(enc->tokens);
}

Result<std::vector<Token>> Session::tokenize(const SessionInput& input) const {
    const std::size_t chars = codePoints(input.text) + (input.usePair ? codePoints(input.pair) : 0);
    if (chars > m_limits.maxTextChars) {
        return makeError(ErrorCode::InvalidInput, "the text has " + std::to_string(chars) +
                                                      " characters; attnviz shows at most " +
                                                      std::to_string(m_limits.maxTokens) + " tokens: shorten it");
    }
    if (m_tokenizer) return encodeInput(*m_tokenizer, input);
    // No tokenizer: the text is token ids.
    std::vector<std::int32_t> ids;
    std::string_view rest = input.text;
    while (!rest.empty()) {
        while (!rest.empty() && isIdSeparator(rest.front())) rest.remove_prefix(1);
        std::size_t n = 0;
        while (n < rest.size() && !isIdSeparator(rest[n])) ++n;
        if (n == 0) break;
        const std::string_view item = rest.substr(0, n);
        rest.remove_prefix(n);
        std::int32_t id = 0;
        const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), id);
        if (ec != std::errc() || end != item.data() + item.size()) {
            return makeError(ErrorCode::InvalidInput,
                             "this model has no tokenizer attnviz can read (" + m_tokenizerProblem +
                                 "): type token ids separated by spaces, e.g. 1 15 27; '" + std::string(item) +
                                 "' is not a number");
        }
        ids.push_back(id);
    }
    return tokensFromIds(ids);
}

}  // namespace attnviz::core
