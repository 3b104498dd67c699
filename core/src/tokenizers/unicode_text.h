// Unicode character facts the tokenizers need, one definition each, named
// after the library whose behaviour they reproduce (Python's str methods and
// the `transformers` slow tokenizers, or Rust's char methods used by the
// `tokenizers` library). Character data comes from utf8proc.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace attnviz::core::unicode {

// The code point starting at s[pos] of valid UTF-8, and its byte length.
char32_t decodeAt(std::string_view s, std::size_t pos, std::size_t* length);
// Byte length of a UTF-8 sequence from its lead byte (1 for stray bytes).
std::size_t sequenceLength(unsigned char lead);
void appendUtf8(std::string& out, char32_t cp);
std::string toUtf8(char32_t cp);
// `bytes` as valid UTF-8: each maximal invalid subsequence (a stray byte, or
// the valid start of a sequence cut short) becomes U+FFFD, as Python's
// bytes.decode(errors="replace") and Rust's String::from_utf8_lossy do.
// Every string a tokenizer returns ends here.
std::string toValidUtf8(std::string bytes);

// General category as the two-letter code ("Lu", "Mn", "Zs", "Cn", ...).
std::string_view category(char32_t cp);
int combiningClass(char32_t cp);

// Python str.isspace() (bidirectional class WS/B/S or category Zs).
bool isPythonSpace(char32_t cp);
// Unicode White_Space property: Rust char::is_whitespace, regex \s.
bool isWhiteSpace(char32_t cp);

// BertTokenizer (slow) / BertNormalizer rules.
bool isBertWhitespace(char32_t cp, bool rustFlavour);  // \t \n \r or Zs (Python) / White_Space (Rust)
bool isBertControl(char32_t cp);                       // category C* except \t \n \r
bool isBertPunctuation(char32_t cp);                   // ASCII symbol ranges or category P*
bool isCjkIdeograph(char32_t cp);                      // the CJK blocks BERT isolates

// One character lowercased the way Python's str.lower() / Rust's
// char::to_lowercase() do it for a lone character (full mapping, so U+0130
// becomes "i\u0307"; no final-sigma context).
std::u32string lowerChar(char32_t cp);
// Python str.isdigit() for the characters that matter (Nd plus the
// superscript, subscript and circled digits).
bool isPythonDigit(char32_t cp);
bool isMark(char32_t cp);         // Mn, Mc or Me
bool isNonspacingMark(char32_t cp);  // Mn
bool isNumeric(char32_t cp);      // Nd, Nl or No (Rust char::is_numeric)

// Whole-string normalisation of valid UTF-8 ("NFC", "NFD", "NFKC", "NFKD").
std::string normalizeUtf8(std::string_view text, bool compose, bool compat);

}  // namespace attnviz::core::unicode
