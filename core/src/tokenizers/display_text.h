// Readable forms of vocabulary pieces, the same in the UI, the CLI and the
// exports: word-start markers (▁, Ġ) become a visible space symbol "␣",
// newlines and tabs become "↵" and "⇥", byte tokens stay "<0xE2>".
#pragma once

#include <string>
#include <string_view>

namespace attnviz::core {

inline constexpr std::string_view kVisibleSpace = "\u2423";  // ␣

// For pieces whose text is the real text with "▁" for spaces (SentencePiece).
std::string displayFromMetaspace(std::string_view piece);
// For plain text (already decoded): spaces, newlines, tabs made visible.
std::string displayFromText(std::string_view text);

}  // namespace attnviz::core
