// A string derived from part of the input text (normalised, split, mapped to
// bytes) that remembers, for each of its bytes, which input bytes it came
// from. Token byte spans are read back through it, however many rewriting
// steps ran in between.
#pragma once

#include "unicode_text.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz::core {

struct ByteSpan {
    std::size_t start = 0;
    std::size_t end = 0;
    bool empty() const { return start == end; }
};

class AlignedText {
public:
    AlignedText() = default;
    // Byte i of `text` is input byte `offset + i`.
    AlignedText(std::string_view text, std::size_t offset);

    const std::string& text() const { return m_text; }
    std::size_t size() const { return m_text.size(); }
    bool empty() const { return m_text.empty(); }
    // Where this text sits in the input (for empty texts and insertions).
    std::size_t anchor() const { return m_align.empty() ? m_anchor : m_align.front().start; }

    // The input bytes behind text bytes [begin, end). Inserted bytes (empty
    // spans) only count when nothing else is in the range.
    ByteSpan inputSpan(std::size_t begin, std::size_t end) const;
    ByteSpan inputSpan() const { return inputSpan(0, size()); }
    const ByteSpan& byteSpan(std::size_t i) const { return m_align[i]; }

    // Rewrites character by character: `map(cp, out)` appends the
    // replacement (nothing = delete). Unchanged characters keep byte-exact
    // alignment; every byte of a replacement points at the whole character.
    template <class Map>
    void mapChars(Map&& map) {
        std::string text;
        std::vector<ByteSpan> align;
        text.reserve(m_text.size());
        align.reserve(m_align.size());
        std::u32string out;
        for (std::size_t i = 0; i < m_text.size();) {
            std::size_t len = 0;
            const char32_t cp = unicode::decodeAt(m_text, i, &len);
            out.clear();
            map(cp, out);
            if (out.size() == 1 && out[0] == cp) {
                text.append(m_text, i, len);
                align.insert(align.end(), m_align.begin() + static_cast<std::ptrdiff_t>(i),
                             m_align.begin() + static_cast<std::ptrdiff_t>(i + len));
            } else {
                const ByteSpan whole = inputSpan(i, i + len);
                for (char32_t c : out) {
                    const std::size_t before = text.size();
                    unicode::appendUtf8(text, c);
                    align.insert(align.end(), text.size() - before, whole);
                }
            }
            i += len;
        }
        if (text.empty()) m_anchor = anchor();
        m_text = std::move(text);
        m_align = std::move(align);
    }

    // Unicode normalisation (NFC/NFD/NFKC/NFKD) with alignment kept per
    // character where the form allows it, else per short run of characters.
    void normalize(bool compose, bool compat);
    // Replaces the byte ranges `matches` (sorted, disjoint) by `content`.
    void replaceRanges(const std::vector<ByteSpan>& matches, std::string_view content);
    // Inserted text: it maps to an empty span where it is attached.
    void prepend(std::string_view s);
    void append(std::string_view s);

    AlignedText slice(std::size_t begin, std::size_t end) const;
    // Appends text bytes [begin, end) of `other` with their alignment.
    void appendFrom(const AlignedText& other, std::size_t begin, std::size_t end);
    // Appends bytes that all come from `span`.
    void appendMapped(std::string_view bytes, ByteSpan span);

private:
    std::string m_text;
    std::vector<ByteSpan> m_align;
    std::size_t m_anchor = 0;
};

}  // namespace attnviz::core
