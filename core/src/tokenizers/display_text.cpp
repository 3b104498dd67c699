#include "display_text.h"

#include "unicode_text.h"

#include <cstdio>

namespace attnviz::core {
namespace {

std::string hexByte(unsigned char b) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), "<0x%02X>", b);
    return buf;
}

// Length of the valid UTF-8 character at s[i], or 0 when the bytes there do
// not form one (stray continuation byte, truncated or overlong sequence).
std::size_t validCharLength(std::string_view s, std::size_t i) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const unsigned char c = p[i];
    if (c < 0x80) return 1;
    std::size_t len;
    char32_t cp;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
    else return 0;
    if (i + len > s.size()) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        if ((p[i + k] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return len;
}

void appendVisibleChar(std::string& out, char32_t cp, std::string_view utf8) {
    switch (cp) {
    case ' ': out += kVisibleSpace; return;
    case '\n': out += "\u21b5"; return;  // ↵
    case '\r': out += "\u240d"; return;  // ␍
    case '\t': out += "\u21e5"; return;  // ⇥
    default: break;
    }
    if (cp < 0x20 || cp == 0x7F) {
        out += hexByte(static_cast<unsigned char>(cp));
        return;
    }
    if (cp >= 0x80) {
        const std::string_view cat = unicode::category(cp);
        // Controls, format characters (zero-width, soft hyphen, BOM) and
        // other spaces would be invisible or look like a plain space.
        if (cat == "Cc" || cat == "Cf" || cat == "Zs" || cat == "Zl" || cat == "Zp") {
            char buf[16];
            std::snprintf(buf, sizeof(buf), "<U+%04X>", static_cast<unsigned>(cp));
            out += buf;
            return;
        }
    }
    out += utf8;
}

}  // namespace

std::string displayFromBytes(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() + 8);
    for (std::size_t i = 0; i < bytes.size();) {
        const std::size_t len = validCharLength(bytes, i);
        if (len == 0) {
            out += hexByte(static_cast<unsigned char>(bytes[i]));
            ++i;
            continue;
        }
        appendVisibleChar(out, unicode::decodeAt(bytes, i, nullptr), bytes.substr(i, len));
        i += len;
    }
    return out;
}

std::string displayFromText(std::string_view text) { return displayFromBytes(text); }

std::string displayFromBytePiece(std::string_view piece) {
    if (piece.size() != 6 || piece.substr(0, 3) != "<0x" || piece[5] != '>') return std::string(piece);
    int value = 0;
    for (const char c : piece.substr(3, 2)) {
        const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (digit < 0) return std::string(piece);
        value = value * 16 + digit;
    }
    if (value >= 0x80) return std::string(piece);
    return displayFromText(std::string(1, static_cast<char>(value)));
}

std::string displayFromMetaspace(std::string_view piece) {
    std::string text;
    text.reserve(piece.size());
    constexpr std::string_view meta = "\u2581";  // ▁
    for (std::size_t i = 0; i < piece.size();) {
        if (piece.substr(i, meta.size()) == meta) {
            text += ' ';
            i += meta.size();
        } else {
            text += piece[i++];
        }
    }
    return displayFromBytes(text);
}

}  // namespace attnviz::core
