#include "byte_level.h"

#include "unicode_text.h"

#include <array>
#include <unordered_map>

namespace attnviz::core::byte_level {
namespace {

struct Tables {
    std::array<std::string, 256> symbols;
    std::unordered_map<char32_t, unsigned char> bytes;

    Tables() {
        // Printable Latin-1 bytes stand for themselves; the others are
        // shifted to U+0100 and up, in byte order (GPT-2's bytes_to_unicode).
        std::array<char32_t, 256> cps{};
        std::array<bool, 256> direct{};
        for (int b = '!'; b <= '~'; ++b) direct[b] = true;
        for (int b = 0xA1; b <= 0xAC; ++b) direct[b] = true;
        for (int b = 0xAE; b <= 0xFF; ++b) direct[b] = true;
        char32_t next = 256;
        for (int b = 0; b < 256; ++b) cps[b] = direct[b] ? static_cast<char32_t>(b) : next++;
        for (int b = 0; b < 256; ++b) {
            symbols[b] = unicode::toUtf8(cps[b]);
            bytes[cps[b]] = static_cast<unsigned char>(b);
        }
    }
};

const Tables& tables() {
    static const Tables t;
    return t;
}

}  // namespace

const std::string& symbol(unsigned char b) { return tables().symbols[b]; }

bool toBytes(std::string_view symbols, std::string& out) {
    const auto& map = tables().bytes;
    for (std::size_t i = 0; i < symbols.size();) {
        std::size_t len = 0;
        const char32_t cp = unicode::decodeAt(symbols, i, &len);
        const auto it = map.find(cp);
        if (it == map.end()) return false;
        out += static_cast<char>(it->second);
        i += len;
    }
    return true;
}

}  // namespace attnviz::core::byte_level
