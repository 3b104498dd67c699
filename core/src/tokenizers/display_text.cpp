#include "display_text.h"

namespace attnviz::core {

std::string displayFromText(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        switch (ch) {
        case ' ': out += kVisibleSpace; break;
        case '\n': out += "\u21b5"; break;  // ↵
        case '\r': out += "\u240d"; break;  // ␍
        case '\t': out += "\u21e5"; break;  // ⇥
        default: out += ch; break;
        }
    }
    return out;
}

std::string displayFromMetaspace(std::string_view piece) {
    std::string text;
    constexpr std::string_view meta = "\u2581";  // ▁
    for (std::size_t i = 0; i < piece.size();) {
        if (piece.substr(i, meta.size()) == meta) {
            text += ' ';
            i += meta.size();
        } else {
            text += piece[i++];
        }
    }
    return displayFromText(text);
}

}  // namespace attnviz::core
