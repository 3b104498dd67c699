#include "pcre2_regex.h"

#include "../message_text.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace attnviz::core {
namespace {

constexpr std::string_view kWhiteSpaceSet =
    "\\x{09}-\\x{0D}\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}";

// Rewrites \s and \S (outside and inside character classes) to the Unicode
// White_Space set. A \S inside a class cannot be expressed as a list and is
// left to PCRE2.
std::string rewriteWhitespaceClasses(std::string_view pattern) {
    std::string out;
    out.reserve(pattern.size() + 64);
    bool inClass = false;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '\\' && i + 1 < pattern.size()) {
            const char next = pattern[i + 1];
            if (next == 's') {
                out += inClass ? std::string(kWhiteSpaceSet) : "[" + std::string(kWhiteSpaceSet) + "]";
            } else if (next == 'S' && !inClass) {
                out += "[^" + std::string(kWhiteSpaceSet) + "]";
            } else if (next == 'Q') {
                // Literal text up to \E is copied untouched.
                const std::size_t end = pattern.find("\\E", i + 2);
                const std::size_t stop = end == std::string_view::npos ? pattern.size() : end + 2;
                out.append(pattern.substr(i, stop - i));
                i = stop - 1;
                continue;
            } else {
                out += c;
                out += next;
            }
            ++i;
            continue;
        }
        if (!inClass && c == '[') {
            inClass = true;
            out += c;
            // A ']' right after '[' or '[^' is a literal member.
            if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
            if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
            continue;
        }
        if (inClass && c == '[' && i + 1 < pattern.size() && pattern[i + 1] == ':') {
            // POSIX class [:alpha:] inside a class.
            const std::size_t end = pattern.find(":]", i + 2);
            if (end != std::string_view::npos) {
                out.append(pattern.substr(i, end + 2 - i));
                i = end + 1;
                continue;
            }
        }
        if (inClass && c == ']') inClass = false;
        out += c;
    }
    return out;
}

}  // namespace

Result<std::shared_ptr<const Pcre2Regex>> Pcre2Regex::compile(std::string_view pattern) {
    const std::string rewritten = rewriteWhitespaceClasses(pattern);
    int errorCode = 0;
    PCRE2_SIZE errorOffset = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(rewritten.data()), rewritten.size(),
                                     PCRE2_UTF | PCRE2_UCP, &errorCode, &errorOffset, nullptr);
    if (code == nullptr) {
        PCRE2_UCHAR message[256];
        pcre2_get_error_message(errorCode, message, sizeof(message));
        // Tokenizer files carry their patterns; one that PCRE2 refuses is
        // a pattern attnviz cannot run.
        return makeError(ErrorCode::Unsupported, "invalid regular expression " + quotedForMessage(pattern, 120) + ": " +
                                                     reinterpret_cast<const char*>(message) + " (at offset " +
                                                     std::to_string(errorOffset) + ")");
    }
    // JIT is an optimisation only; without it the interpreter runs.
    (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    std::shared_ptr<Pcre2Regex> regex(new Pcre2Regex());
    regex->m_code = code;
    regex->m_pattern = std::string(pattern);
    return std::shared_ptr<const Pcre2Regex>(std::move(regex));
}

Pcre2Regex::~Pcre2Regex() { pcre2_code_free(static_cast<pcre2_code*>(m_code)); }

Result<std::vector<ByteSpan>> Pcre2Regex::findAll(std::string_view text) const {
    auto* code = static_cast<pcre2_code*>(m_code);
    std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> data(
        pcre2_match_data_create_from_pattern(code, nullptr), &pcre2_match_data_free);
    if (!data) return makeError(ErrorCode::OutOfMemory, "out of memory for a regular expression match");
    std::vector<ByteSpan> matches;
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    std::size_t pos = 0;
    while (pos <= text.size()) {
        // The input was validated once; do not re-check it on every call.
        int rc = pcre2_match(code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK, data.get(), nullptr);
        if (rc == PCRE2_ERROR_JIT_STACKLIMIT) {
            rc = pcre2_match(code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, data.get(), nullptr);
        }
        if (rc == PCRE2_ERROR_NOMATCH) break;
        if (rc < 0) {
            PCRE2_UCHAR message[256];
            pcre2_get_error_message(rc, message, sizeof(message));
            // Memory and match limits are the text's size or shape; anything
            // else means the pattern or our call is wrong.
            const ErrorCode code = rc == PCRE2_ERROR_NOMEMORY || rc == PCRE2_ERROR_HEAPLIMIT ? ErrorCode::OutOfMemory
                                   : rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT
                                       ? ErrorCode::InvalidInput
                                       : ErrorCode::Internal;
            return makeError(code, "regular expression '" + m_pattern + "' failed on the text: " +
                                       reinterpret_cast<const char*>(message));
        }
        const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data.get());
        const std::size_t start = ovector[0];
        const std::size_t end = ovector[1];
        if (end > start) {
            matches.push_back({start, end});
            pos = end;
        } else {
            // Empty match: step over one character.
            if (start >= text.size()) break;
            pos = start + unicode::sequenceLength(static_cast<unsigned char>(text[start]));
        }
    }
    return matches;
}

}  // namespace attnviz::core
