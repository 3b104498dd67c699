#include "normalizer.h"

#include "unicode_text.h"

namespace attnviz::core {
namespace {

std::vector<ByteSpan> literalMatches(const std::string& text, const std::string& pattern) {
    std::vector<ByteSpan> matches;
    if (pattern.empty()) return matches;
    for (std::size_t at = text.find(pattern); at != std::string::npos; at = text.find(pattern, at + pattern.size())) {
        matches.push_back({at, at + pattern.size()});
    }
    return matches;
}

void stripEnds(AlignedText& text, bool left, bool right) {
    const std::string& s = text.text();
    std::size_t begin = 0;
    std::size_t end = s.size();
    if (left) {
        while (begin < end) {
            std::size_t len = 0;
            if (!unicode::isWhiteSpace(unicode::decodeAt(s, begin, &len))) break;
            begin += len;
        }
    }
    if (right) {
        while (end > begin) {
            std::size_t start = end - 1;
            while (start > begin && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
            if (!unicode::isWhiteSpace(unicode::decodeAt(s, start, nullptr))) break;
            end = start;
        }
    }
    if (begin != 0 || end != s.size()) text = text.slice(begin, end);
}

}  // namespace

Status Normalizer::apply(AlignedText& text) const {
    for (const Step& step : m_steps) {
        switch (step.kind) {
        case Kind::CleanText:
            text.mapChars([&](char32_t cp, std::u32string& out) {
                if (cp == 0 || cp == 0xFFFD || unicode::isBertControl(cp)) return;
                out += unicode::isBertWhitespace(cp, step.rustFlavour) ? U' ' : cp;
            });
            break;
        case Kind::PadCjk:
            text.mapChars([](char32_t cp, std::u32string& out) {
                if (unicode::isCjkIdeograph(cp)) {
                    out += U' ';
                    out += cp;
                    out += U' ';
                } else {
                    out += cp;
                }
            });
            break;
        case Kind::StripNonspacing:
            text.normalize(false, false);
            text.mapChars([](char32_t cp, std::u32string& out) {
                if (!unicode::isNonspacingMark(cp)) out += cp;
            });
            break;
        case Kind::StripMarks:
            text.mapChars([](char32_t cp, std::u32string& out) {
                if (!unicode::isMark(cp)) out += cp;
            });
            break;
        case Kind::Lowercase:
            text.mapChars([](char32_t cp, std::u32string& out) { out += unicode::lowerChar(cp); });
            break;
        case Kind::Unicode:
            text.normalize(step.compose, step.compat);
            break;
        case Kind::Replace: {
            std::vector<ByteSpan> matches;
            if (step.regex) {
                auto found = step.regex->findAll(text.text());
                if (!found) return found.takeError();
                matches = std::move(found.value());
            } else {
                matches = literalMatches(text.text(), step.pattern);
            }
            text.replaceRanges(matches, step.content);
            break;
        }
        case Kind::Prepend:
            if (!text.empty()) text.prepend(step.content);
            break;
        case Kind::Strip:
            stripEnds(text, step.left, step.right);
            break;
        }
    }
    return Status::success();
}

}  // namespace attnviz::core
