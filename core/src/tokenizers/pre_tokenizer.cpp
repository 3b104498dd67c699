#include "pre_tokenizer.h"

#include "byte_level.h"
#include "unicode_text.h"

#include <algorithm>

namespace attnviz::core {
namespace {

struct Segment {
    ByteSpan range;
    bool isMatch = false;
};

// Covers the whole text with alternating plain and matched segments.
std::vector<Segment> coverMatches(std::size_t size, const std::vector<ByteSpan>& matches, bool invert) {
    std::vector<Segment> out;
    std::size_t pos = 0;
    for (const ByteSpan& m : matches) {
        if (m.start > pos) out.push_back({{pos, m.start}, invert});
        out.push_back({m, !invert});
        pos = m.end;
    }
    if (pos < size) out.push_back({{pos, size}, invert});
    return out;
}

template <class Pred>
std::vector<ByteSpan> charMatches(const std::string& s, Pred pred) {
    std::vector<ByteSpan> matches;
    for (std::size_t i = 0; i < s.size();) {
        std::size_t len = 0;
        const char32_t cp = unicode::decodeAt(s, i, &len);
        if (pred(cp)) matches.push_back({i, i + len});
        i += len;
    }
    return matches;
}

// Hugging Face's NormalizedString::split: applies the delimiter behaviour to
// the covering segments and drops empty results.
void splitBy(const AlignedText& text, const std::vector<Segment>& segments, PreTokenizer::Behavior behavior,
             std::vector<AlignedText>& out) {
    using B = PreTokenizer::Behavior;
    std::vector<Segment> pieces;  // isMatch here means "remove"
    bool previousMatch = false;
    switch (behavior) {
    case B::Removed:
        pieces = segments;
        break;
    case B::Isolated:
        for (const Segment& s : segments) pieces.push_back({s.range, false});
        break;
    case B::Contiguous:
        for (const Segment& s : segments) {
            if (s.isMatch == previousMatch && !pieces.empty()) {
                pieces.back().range.end = s.range.end;
            } else {
                pieces.push_back({s.range, false});
            }
            previousMatch = s.isMatch;
        }
        break;
    case B::MergedWithPrevious:
        for (const Segment& s : segments) {
            if (s.isMatch && !previousMatch && !pieces.empty()) {
                pieces.back().range.end = s.range.end;
            } else {
                pieces.push_back({s.range, false});
            }
            previousMatch = s.isMatch;
        }
        break;
    case B::MergedWithNext:
        for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
            if (it->isMatch && !previousMatch && !pieces.empty()) {
                pieces.back().range.start = it->range.start;
            } else {
                pieces.push_back({it->range, false});
            }
            previousMatch = it->isMatch;
        }
        std::reverse(pieces.begin(), pieces.end());
        break;
    }
    for (const Segment& p : pieces) {
        if (p.isMatch || p.range.empty()) continue;
        out.push_back(text.slice(p.range.start, p.range.end));
    }
}

AlignedText toByteSymbols(const AlignedText& word) {
    AlignedText out;
    const std::string& s = word.text();
    if (s.empty()) return word;
    for (std::size_t i = 0; i < s.size(); ++i) {
        out.appendMapped(byte_level::symbol(static_cast<unsigned char>(s[i])), word.byteSpan(i));
    }
    return out;
}

}  // namespace

bool PreTokenizer::hasByteLevel() const {
    for (const Step& s : m_steps) {
        if (s.kind == Kind::ByteLevel) return true;
    }
    return false;
}

Result<std::vector<AlignedText>> PreTokenizer::apply(AlignedText text) const {
    std::vector<AlignedText> words;
    if (!text.empty()) words.push_back(std::move(text));
    for (const Step& step : m_steps) {
        std::vector<AlignedText> next;
        next.reserve(words.size());
        for (AlignedText& word : words) {
            const std::string& s = word.text();
            switch (step.kind) {
            case Kind::SplitWhitespace: {
                const bool rust = step.rustFlavour;
                auto matches = charMatches(s, [rust](char32_t cp) {
                    return rust ? unicode::isWhiteSpace(cp) : unicode::isPythonSpace(cp);
                });
                splitBy(word, coverMatches(s.size(), matches, false), Behavior::Removed, next);
                break;
            }
            case Kind::SplitPunctuation:
                splitBy(word, coverMatches(s.size(), charMatches(s, unicode::isBertPunctuation), false), step.behavior,
                        next);
                break;
            case Kind::SplitDigits:
                splitBy(word, coverMatches(s.size(), charMatches(s, unicode::isNumeric), false),
                        step.individual ? Behavior::Isolated : Behavior::Contiguous, next);
                break;
            case Kind::SplitChar: {
                const char32_t d = step.delimiter;
                splitBy(word, coverMatches(s.size(), charMatches(s, [d](char32_t cp) { return cp == d; }), false),
                        Behavior::Removed, next);
                break;
            }
            case Kind::SplitRegex: {
                std::vector<ByteSpan> matches;
                if (step.regex) {
                    auto found = step.regex->findAll(s);
                    if (!found) return found.takeError();
                    matches = std::move(found.value());
                } else if (!step.pattern.empty()) {
                    for (std::size_t at = s.find(step.pattern); at != std::string::npos;
                         at = s.find(step.pattern, at + step.pattern.size())) {
                        matches.push_back({at, at + step.pattern.size()});
                    }
                }
                splitBy(word, coverMatches(s.size(), matches, step.invert), step.behavior, next);
                break;
            }
            case Kind::ByteLevel: {
                if (step.addPrefixSpace && (s.empty() || s[0] != ' ')) word.prepend(" ");
                std::vector<AlignedText> parts;
                if (step.useRegex) {
                    auto found = step.regex->findAll(word.text());
                    if (!found) return found.takeError();
                    splitBy(word, coverMatches(word.size(), found.value(), false), Behavior::Isolated, parts);
                } else {
                    parts.push_back(std::move(word));
                }
                for (const AlignedText& part : parts) next.push_back(toByteSymbols(part));
                break;
            }
            case Kind::Metaspace: {
                const std::string& rep = step.pattern;
                std::vector<ByteSpan> spaces;
                for (std::size_t i = 0; i < s.size(); ++i) {
                    if (s[i] == ' ') spaces.push_back({i, i + 1});
                }
                word.replaceRanges(spaces, rep);
                const bool startsWithRep = word.text().compare(0, rep.size(), rep) == 0;
                const bool prepend = step.prependScheme == PrependScheme::Always ||
                                     (step.prependScheme == PrependScheme::First && word.inputSpan().start == 0);
                if (prepend && !startsWithRep) word.prepend(rep);
                if (step.split) {
                    std::vector<ByteSpan> reps;
                    const std::string& w = word.text();
                    for (std::size_t at = w.find(rep); at != std::string::npos; at = w.find(rep, at + rep.size())) {
                        reps.push_back({at, at + rep.size()});
                    }
                    splitBy(word, coverMatches(w.size(), reps, false), Behavior::MergedWithNext, next);
                } else if (!word.empty()) {
                    next.push_back(std::move(word));
                }
                break;
            }
            }
        }
        words = std::move(next);
    }
    return words;
}

}  // namespace attnviz::core
