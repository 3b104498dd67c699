#include "unicode_text.h"

#include <utf8proc.h>

#include <cstdlib>

namespace attnviz::core::unicode {

std::size_t sequenceLength(unsigned char lead) {
    if (lead < 0x80) return 1;
    if ((lead & 0xE0) == 0xC0) return 2;
    if ((lead & 0xF0) == 0xE0) return 3;
    if ((lead & 0xF8) == 0xF0) return 4;
    return 1;
}

char32_t decodeAt(std::string_view s, std::size_t pos, std::size_t* length) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + pos;
    std::size_t n = sequenceLength(p[0]);
    if (pos + n > s.size()) n = 1;
    char32_t cp;
    switch (n) {
    case 1: cp = p[0]; break;
    case 2: cp = ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu); break;
    case 3: cp = ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu); break;
    default: cp = ((p[0] & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu); break;
    }
    if (length != nullptr) *length = n;
    return cp;
}

void appendUtf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

std::string toUtf8(char32_t cp) {
    std::string s;
    appendUtf8(s, cp);
    return s;
}

std::string_view category(char32_t cp) {
    // utf8proc returns "Cn" for unassigned code points.
    return utf8proc_category_string(static_cast<utf8proc_int32_t>(cp));
}

int combiningClass(char32_t cp) {
    return utf8proc_get_property(static_cast<utf8proc_int32_t>(cp))->combining_class;
}

bool isPythonSpace(char32_t cp) {
    if (cp < 0x80) return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
    const auto* prop = utf8proc_get_property(static_cast<utf8proc_int32_t>(cp));
    return prop->bidi_class == UTF8PROC_BIDI_CLASS_WS || prop->bidi_class == UTF8PROC_BIDI_CLASS_B ||
           prop->bidi_class == UTF8PROC_BIDI_CLASS_S || prop->category == UTF8PROC_CATEGORY_ZS;
}

bool isWhiteSpace(char32_t cp) {
    // The Unicode White_Space property: a fixed, short list.
    return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
           cp == 0x3000;
}

bool isBertWhitespace(char32_t cp, bool rustFlavour) {
    if (cp == '\t' || cp == '\n' || cp == '\r' || cp == ' ') return true;
    if (rustFlavour) return isWhiteSpace(cp);
    return utf8proc_category(static_cast<utf8proc_int32_t>(cp)) == UTF8PROC_CATEGORY_ZS;
}

bool isBertControl(char32_t cp) {
    if (cp == '\t' || cp == '\n' || cp == '\r') return false;
    return category(cp)[0] == 'C';
}

bool isBertPunctuation(char32_t cp) {
    // BERT treats all non-letter/number ASCII as punctuation ("^", "$", "`"
    // are not in Unicode's P* categories).
    if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
        return true;
    }
    return category(cp)[0] == 'P';
}

bool isCjkIdeograph(char32_t cp) {
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF) ||
           (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

std::u32string lowerChar(char32_t cp) {
    // The only unconditional SpecialCasing.txt lowercase entry that differs
    // from the simple mapping.
    if (cp == 0x130) return U"i\u0307";
    return std::u32string(1, static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp))));
}

bool isPythonDigit(char32_t cp) {
    if (utf8proc_category(static_cast<utf8proc_int32_t>(cp)) == UTF8PROC_CATEGORY_ND) return true;
    return cp == 0xB2 || cp == 0xB3 || cp == 0xB9 || cp == 0x2070 || (cp >= 0x2074 && cp <= 0x2079) ||
           (cp >= 0x2080 && cp <= 0x2089) || (cp >= 0x2460 && cp <= 0x2468) || (cp >= 0x2474 && cp <= 0x247C) ||
           (cp >= 0x2488 && cp <= 0x2490) || cp == 0x24EA || (cp >= 0x24F5 && cp <= 0x24FD) || cp == 0x24FF ||
           (cp >= 0x2776 && cp <= 0x277E) || (cp >= 0x2780 && cp <= 0x2788) || (cp >= 0x278A && cp <= 0x2792) ||
           (cp >= 0x1369 && cp <= 0x1371) || cp == 0x19DA;
}

bool isMark(char32_t cp) {
    const auto c = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
    return c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_MC || c == UTF8PROC_CATEGORY_ME;
}

bool isNonspacingMark(char32_t cp) {
    return utf8proc_category(static_cast<utf8proc_int32_t>(cp)) == UTF8PROC_CATEGORY_MN;
}

bool isNumeric(char32_t cp) {
    const auto c = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
    return c == UTF8PROC_CATEGORY_ND || c == UTF8PROC_CATEGORY_NL || c == UTF8PROC_CATEGORY_NO;
}

std::string normalizeUtf8(std::string_view text, bool compose, bool compat) {
    if (text.empty()) return {};
    utf8proc_uint8_t* out = nullptr;
    int options = UTF8PROC_STABLE | (compose ? UTF8PROC_COMPOSE : UTF8PROC_DECOMPOSE);
    if (compat) options |= UTF8PROC_COMPAT;
    const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                static_cast<utf8proc_ssize_t>(text.size()), &out,
                                static_cast<utf8proc_option_t>(options));
    if (n < 0 || out == nullptr) return std::string(text);  // only on invalid input, which callers exclude
    std::string result(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
    std::free(out);
    return result;
}

std::string toValidUtf8(std::string bytes) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    const std::size_t n = bytes.size();
    std::size_t i = 0;
    while (i < n && p[i] < 0x80) ++i;
    if (i == n) return bytes;  // ASCII: the common case
    std::string out(bytes, 0, i);
    out.reserve(n + 8);
    auto in = [](unsigned char b, unsigned char lo, unsigned char hi) { return b >= lo && b <= hi; };
    while (i < n) {
        const unsigned char c = p[i];
        if (c < 0x80) {
            out += static_cast<char>(c);
            ++i;
            continue;
        }
        // Length and the range of the second byte (Unicode Table 3-7).
        std::size_t len = 0;
        unsigned char lo = 0x80, hi = 0xBF;
        if (in(c, 0xC2, 0xDF)) len = 2;
        else if (c == 0xE0) len = 3, lo = 0xA0;
        else if (c == 0xED) len = 3, hi = 0x9F;
        else if (in(c, 0xE1, 0xEF)) len = 3;
        else if (c == 0xF0) len = 4, lo = 0x90;
        else if (c == 0xF4) len = 4, hi = 0x8F;
        else if (in(c, 0xF1, 0xF3)) len = 4;
        std::size_t k = 1;  // bytes of a valid prefix
        if (len > 0 && i + 1 < n && in(p[i + 1], lo, hi)) {
            k = 2;
            while (k < len && i + k < n && in(p[i + k], 0x80, 0xBF)) ++k;
        }
        if (len > 0 && k == len) out.append(bytes, i, len);
        else out += "\xEF\xBF\xBD";
        i += k;
    }
    return out;
}

}  // namespace attnviz::core::unicode
