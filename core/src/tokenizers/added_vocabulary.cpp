#include "added_vocabulary.h"

#include "unicode_text.h"

namespace attnviz::core {
namespace {

bool isSpaceAt(std::string_view s, std::size_t pos, std::size_t* len, bool rust) {
    const char32_t cp = unicode::decodeAt(s, pos, len);
    return rust ? unicode::isWhiteSpace(cp) : unicode::isPythonSpace(cp);
}

bool isWordChar(char32_t cp) {
    const std::string_view cat = unicode::category(cp);
    return cp == '_' || cat[0] == 'L' || cat[0] == 'N';
}

// The code point that ends at byte `end` (valid UTF-8).
char32_t charBefore(std::string_view s, std::size_t end) {
    std::size_t start = end - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    return unicode::decodeAt(s, start, nullptr);
}

}  // namespace

void AddedVocabulary::add(AddedToken token) {
    if (token.content.empty()) return;
    if (const auto it = m_byContent.find(token.content); it != m_byContent.end()) {
        m_byId.erase(m_tokens[it->second].id);
        m_tokens[it->second] = std::move(token);
        m_byId[m_tokens[it->second].id] = it->second;
        return;
    }
    m_byContent[token.content] = m_tokens.size();
    m_byId[token.id] = m_tokens.size();
    m_tokens.push_back(std::move(token));
}

const AddedToken* AddedVocabulary::findById(std::int32_t id) const {
    const auto it = m_byId.find(id);
    return it == m_byId.end() ? nullptr : &m_tokens[it->second];
}

const AddedToken* AddedVocabulary::findByContent(std::string_view content) const {
    const auto it = m_byContent.find(std::string(content));
    return it == m_byContent.end() ? nullptr : &m_tokens[it->second];
}

std::vector<AddedVocabulary::Piece> AddedVocabulary::split(const AlignedText& text, bool normalizedTokens,
                                                           bool rustWhitespace) const {
    std::vector<const AddedToken*> candidates;
    for (const AddedToken& t : m_tokens) {
        if (t.normalized == normalizedTokens) candidates.push_back(&t);
    }
    std::vector<Piece> pieces;
    const std::string& s = text.text();
    if (candidates.empty() || s.empty()) {
        pieces.push_back({text, nullptr});
        return pieces;
    }
    // First bytes of the candidates, to skip positions quickly.
    bool firstByte[256] = {};
    for (const AddedToken* t : candidates) firstByte[static_cast<unsigned char>(t->content[0])] = true;

    std::size_t plainStart = 0;  // start of the pending plain text
    std::size_t pos = 0;
    while (pos < s.size()) {
        const AddedToken* best = nullptr;
        if (firstByte[static_cast<unsigned char>(s[pos])]) {
            for (const AddedToken* t : candidates) {
                if ((best == nullptr || t->content.size() > best->content.size()) &&
                    s.compare(pos, t->content.size(), t->content) == 0) {
                    best = t;
                }
            }
        }
        if (best != nullptr && best->singleWord) {
            const std::size_t stop = pos + best->content.size();
            const bool leftOk = pos == 0 || !isWordChar(charBefore(s, pos));
            const bool rightOk = stop == s.size() || !isWordChar(unicode::decodeAt(s, stop, nullptr));
            if (!leftOk || !rightOk) best = nullptr;
        }
        if (best == nullptr) {
            pos += unicode::sequenceLength(static_cast<unsigned char>(s[pos]));
            continue;
        }
        std::size_t start = pos;
        std::size_t stop = pos + best->content.size();
        if (best->lstrip) {
            // Swallow the whitespace before the token, back to the previous cut.
            while (start > plainStart) {
                std::size_t back = start - 1;
                while (back > plainStart && (static_cast<unsigned char>(s[back]) & 0xC0) == 0x80) --back;
                std::size_t len = 0;
                if (!isSpaceAt(s, back, &len, rustWhitespace)) break;
                start = back;
            }
        }
        if (best->rstrip) {
            std::size_t len = 0;
            while (stop < s.size() && isSpaceAt(s, stop, &len, rustWhitespace)) stop += len;
        }
        if (start > plainStart) pieces.push_back({text.slice(plainStart, start), nullptr});
        pieces.push_back({text.slice(start, stop), best});
        plainStart = stop;
        pos = stop;
    }
    if (plainStart < s.size()) pieces.push_back({text.slice(plainStart, s.size()), nullptr});
    return pieces;
}

AlignedText AddedVocabulary::lowercaseOutsideTokens(const AlignedText& text) const {
    AlignedText out;
    for (auto& piece : split(text, false, false)) {
        if (piece.token == nullptr) {
            piece.text.mapChars([](char32_t cp, std::u32string& o) { o += unicode::lowerChar(cp); });
        }
        out.appendFrom(piece.text, 0, piece.text.size());
    }
    if (out.empty()) return text;
    return out;
}

}  // namespace attnviz::core
