#include "message_text.h"

#include "attnviz/core/tokenizer.h"

#include <cstdio>

namespace attnviz::core {

namespace {

bool isControl(unsigned char c) { return c < 0x20 || c == 0x7F; }

std::string escaped(std::string_view text, std::size_t maxBytes, bool quoted) {
    const bool cut = text.size() > maxBytes;
    if (cut) text = text.substr(0, maxBytes);
    std::string out = quoted ? "\"" : "";
    while (!text.empty()) {
        // The longest valid UTF-8 prefix goes through; control characters
        // and the first invalid byte are escaped.
        const std::size_t valid = findInvalidUtf8(text).value_or(text.size());
        for (std::size_t i = 0; i < valid; ++i) {
            const auto c = static_cast<unsigned char>(text[i]);
            if (c == '\n') {
                out += "\\n";
            } else if (quoted && (c == '"' || c == '\\')) {
                out += '\\';
                out += static_cast<char>(c);
            } else if (isControl(c)) {
                char hex[8];
                std::snprintf(hex, sizeof hex, "\\x%02X", c);
                out += hex;
            } else {
                out += static_cast<char>(c);
            }
        }
        if (valid < text.size()) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02X", static_cast<unsigned char>(text[valid]));
            out += hex;
            text.remove_prefix(valid + 1);
        } else {
            text = {};
        }
    }
    if (quoted) out += '"';
    if (cut) out += "...";
    return out;
}

}  // namespace

bool hasControlCharacter(std::string_view text) {
    for (const char ch : text) {
        if (isControl(static_cast<unsigned char>(ch))) return true;
    }
    return false;
}

std::string quotedForMessage(std::string_view text, std::size_t maxBytes) { return escaped(text, maxBytes, true); }

std::string escapedForMessage(std::string_view text, std::size_t maxBytes) { return escaped(text, maxBytes, false); }

}  // namespace attnviz::core
