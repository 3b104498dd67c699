// Readable forms of vocabulary pieces, the same in the UI, the CLI and the
// exports: word-start markers (▁, Ġ) become a visible space symbol "␣",
// newlines and tabs become "↵" and "⇥", bytes that are not a whole UTF-8
// character are shown as "<0xE2>", invisible characters as "<U+200B>".
#pragma once

#include <string>
#include <string_view>

namespace attnviz::core {

inline constexpr std::string_view kVisibleSpace = "\u2423";  // ␣

// For pieces whose text is the real text with "▁" for spaces (SentencePiece).
std::string displayFromMetaspace(std::string_view piece);
// For plain text (already decoded, valid UTF-8): whitespace and invisible
// characters made visible.
std::string displayFromText(std::string_view text);
// For raw bytes (a byte-level BPE token): complete UTF-8 characters as text,
// the other bytes as <0xNN>.
std::string displayFromBytes(std::string_view bytes);
// For a byte-fallback piece "<0xNN>": an ASCII byte as the character it is
// ("<0x0A>" -> "↵", "<0x41>" -> "A"), a byte of a longer UTF-8 character
// stays "<0xNN>"; anything else is returned as it is.
std::string displayFromBytePiece(std::string_view piece);

}  // namespace attnviz::core
