// GPT-2's byte-level alphabet: every byte 0-255 stands for one printable
// Unicode character ("Ġ" for the space byte, "Ċ" for newline, ...), so byte
// strings can be BPE-merged and stored in a JSON vocabulary as text.
#pragma once

#include <string>
#include <string_view>

namespace attnviz::core::byte_level {

// The UTF-8 of the character byte `b` maps to.
const std::string& symbol(unsigned char b);
// Alphabet characters -> bytes; false when `symbols` has a character outside
// the alphabet (then `out` is left partial).
bool toBytes(std::string_view symbols, std::string& out);

// GPT-2's pre-tokenization pattern (contractions, letters, numbers, other
// symbols, whitespace), also ByteLevel's `use_regex` pattern in tokenizer.json.
inline constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

}  // namespace attnviz::core::byte_level
