#include "aligned_text.h"

#include <algorithm>

namespace attnviz::core {

AlignedText::AlignedText(std::string_view text, std::size_t offset) : m_text(text), m_anchor(offset) {
    m_align.resize(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) m_align[i] = {offset + i, offset + i + 1};
}

ByteSpan AlignedText::inputSpan(std::size_t begin, std::size_t end) const {
    end = std::min(end, m_align.size());
    if (begin >= end) {
        const std::size_t at = begin < m_align.size() ? m_align[begin].start
                               : m_align.empty()      ? m_anchor
                                                      : m_align.back().end;
        return {at, at};
    }
    ByteSpan result{0, 0};
    bool found = false;
    for (std::size_t i = begin; i < end; ++i) {
        const ByteSpan& s = m_align[i];
        if (s.empty()) continue;
        if (!found) {
            result = s;
            found = true;
        } else {
            result.start = std::min(result.start, s.start);
            result.end = std::max(result.end, s.end);
        }
    }
    if (!found) return {m_align[begin].start, m_align[begin].start};
    return result;
}

namespace {

// A character below U+0300 (or a CJK ideograph / Hangul syllable) never
// combines with what precedes it, so normalisation can restart there.
bool startsNormalizationRun(char32_t cp) {
    return cp < 0x300 || (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7A3);
}

}  // namespace

void AlignedText::normalize(bool compose, bool compat) {
    std::string text;
    std::vector<ByteSpan> align;
    text.reserve(m_text.size());
    align.reserve(m_align.size());
    std::size_t runStart = 0;
    auto flush = [&](std::size_t runEnd) {
        if (runEnd == runStart) return;
        const std::string_view run(m_text.data() + runStart, runEnd - runStart);
        const bool ascii = std::all_of(run.begin(), run.end(), [](char c) { return (c & 0x80) == 0; });
        const std::string normalized = ascii ? std::string(run) : unicode::normalizeUtf8(run, compose, compat);
        if (normalized == run) {
            text += run;
            align.insert(align.end(), m_align.begin() + static_cast<std::ptrdiff_t>(runStart),
                         m_align.begin() + static_cast<std::ptrdiff_t>(runEnd));
            runStart = runEnd;
            return;
        }
        // Character by character when that gives the same result (the usual
        // case: no reordering or composition across characters).
        std::string perChar;
        std::vector<std::pair<std::size_t, std::size_t>> pieces;  // output bytes per input char
        for (std::size_t i = runStart; i < runEnd;) {
            const std::size_t len = unicode::sequenceLength(static_cast<unsigned char>(m_text[i]));
            const std::size_t before = perChar.size();
            perChar += unicode::normalizeUtf8(std::string_view(m_text.data() + i, len), compose, compat);
            pieces.emplace_back(i, perChar.size() - before);
            i += len;
        }
        if (perChar == normalized) {
            std::size_t out = 0;
            for (const auto& [at, outLen] : pieces) {
                const std::size_t len = unicode::sequenceLength(static_cast<unsigned char>(m_text[at]));
                const std::string_view piece(perChar.data() + out, outLen);
                if (piece == std::string_view(m_text.data() + at, len)) {
                    align.insert(align.end(), m_align.begin() + static_cast<std::ptrdiff_t>(at),
                                 m_align.begin() + static_cast<std::ptrdiff_t>(at + len));
                } else {
                    align.insert(align.end(), outLen, inputSpan(at, at + len));
                }
                text += piece;
                out += outLen;
            }
        } else {
            const ByteSpan whole = inputSpan(runStart, runEnd);
            text += normalized;
            align.insert(align.end(), normalized.size(), whole);
        }
        runStart = runEnd;
    };
    for (std::size_t i = 0; i < m_text.size();) {
        std::size_t len = 0;
        const char32_t cp = unicode::decodeAt(m_text, i, &len);
        if (startsNormalizationRun(cp)) flush(i);
        i += len;
    }
    flush(m_text.size());
    if (text.empty()) m_anchor = anchor();
    m_text = std::move(text);
    m_align = std::move(align);
}

void AlignedText::replaceRanges(const std::vector<ByteSpan>& matches, std::string_view content) {
    if (matches.empty()) return;
    std::string text;
    std::vector<ByteSpan> align;
    std::size_t pos = 0;
    for (const ByteSpan& m : matches) {
        text.append(m_text, pos, m.start - pos);
        align.insert(align.end(), m_align.begin() + static_cast<std::ptrdiff_t>(pos),
                     m_align.begin() + static_cast<std::ptrdiff_t>(m.start));
        const ByteSpan whole = inputSpan(m.start, m.end);
        text += content;
        align.insert(align.end(), content.size(), whole);
        pos = m.end;
    }
    text.append(m_text, pos);
    align.insert(align.end(), m_align.begin() + static_cast<std::ptrdiff_t>(pos), m_align.end());
    if (text.empty()) m_anchor = anchor();
    m_text = std::move(text);
    m_align = std::move(align);
}

void AlignedText::prepend(std::string_view s) {
    const std::size_t at = anchor();
    m_text.insert(0, s);
    m_align.insert(m_align.begin(), s.size(), ByteSpan{at, at});
}

void AlignedText::append(std::string_view s) {
    const std::size_t at = m_align.empty() ? m_anchor : m_align.back().end;
    m_text += s;
    m_align.insert(m_align.end(), s.size(), ByteSpan{at, at});
}

AlignedText AlignedText::slice(std::size_t begin, std::size_t end) const {
    AlignedText out;
    out.m_anchor = inputSpan(begin, begin).start;
    out.appendFrom(*this, begin, end);
    return out;
}

void AlignedText::appendFrom(const AlignedText& other, std::size_t begin, std::size_t end) {
    if (m_text.empty() && begin < end) m_anchor = other.m_align[begin].start;
    m_text.append(other.m_text, begin, end - begin);
    m_align.insert(m_align.end(), other.m_align.begin() + static_cast<std::ptrdiff_t>(begin),
                   other.m_align.begin() + static_cast<std::ptrdiff_t>(end));
}

void AlignedText::appendMapped(std::string_view bytes, ByteSpan span) {
    if (m_text.empty()) m_anchor = span.start;
    m_text += bytes;
    m_align.insert(m_align.end(), bytes.size(), span);
}

}  // namespace attnviz::core
