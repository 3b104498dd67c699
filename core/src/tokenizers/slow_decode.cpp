#include "slow_decode.h"

#include "unicode_text.h"

namespace attnviz::core {
namespace {

void replaceAll(std::string& s, std::string_view from, std::string_view to) {
    if (from.empty()) return;
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
        s.replace(at, from.size(), to);
    }
}

}  // namespace

void cleanUpTokenizationSpaces(std::string& s) {
    replaceAll(s, " .", ".");
    replaceAll(s, " ?", "?");
    replaceAll(s, " !", "!");
    replaceAll(s, " ,", ",");
    replaceAll(s, " ' ", "'");
    replaceAll(s, " n't", "n't");
    replaceAll(s, " 'm", "'m");
    replaceAll(s, " 's", "'s");
    replaceAll(s, " 've", "'ve");
    replaceAll(s, " 're", "'re");
}

std::string stripPythonSpace(std::string_view text) {
    const std::string s(text);
    std::size_t begin = 0;
    while (begin < s.size()) {
        std::size_t len = 0;
        if (!unicode::isPythonSpace(unicode::decodeAt(s, begin, &len))) break;
        begin += len;
    }
    std::size_t end = s.size();
    while (end > begin) {
        std::size_t start = end - 1;
        while (start > begin && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
        std::size_t len = 0;
        if (!unicode::isPythonSpace(unicode::decodeAt(s, start, &len))) break;
        end = start;
    }
    return s.substr(begin, end - begin);
}

}  // namespace attnviz::core
