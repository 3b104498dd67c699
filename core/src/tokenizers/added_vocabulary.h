// Tokens matched in the raw text before the subword model runs: special
// tokens ([CLS], <s>, <|endoftext|>) typed by the user and tokens added to a
// vocabulary. Matching is leftmost-longest; `lstrip`/`rstrip` swallow the
// whitespace next to a match, `single_word` requires word boundaries.
#pragma once

#include "aligned_text.h"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace attnviz::core {

struct AddedToken {
    std::string content;
    std::int32_t id = -1;
    bool special = true;
    bool lstrip = false;
    bool rstrip = false;
    bool singleWord = false;
    // Matched after normalisation (Hugging Face fast tokenizers) instead of
    // in the raw text.
    bool normalized = false;
};

class AddedVocabulary {
public:
    struct Piece {
        AlignedText text;                  // the text (for a token: what it matched, whitespace included)
        const AddedToken* token = nullptr;  // null for plain text
    };

    // A token with the same content replaces the earlier one.
    void add(AddedToken token);
    bool empty() const { return m_tokens.empty(); }
    const std::vector<AddedToken>& tokens() const { return m_tokens; }
    const AddedToken* findById(std::int32_t id) const;
    const AddedToken* findByContent(std::string_view content) const;

    // Cuts `text` at the tokens whose `normalized` flag equals
    // `normalizedTokens`. Whitespace for lstrip/rstrip is Python's
    // str.isspace() or, with `rustWhitespace`, the Unicode White_Space set.
    std::vector<Piece> split(const AlignedText& text, bool normalizedTokens, bool rustWhitespace) const;
    // The text with everything outside added tokens lower-cased one
    // character at a time: PreTrainedTokenizer.tokenize's do_lower_case pass,
    // which runs before special tokens are looked for (so a typed "<UNK>"
    // becomes "<unk>" and then matches).
    AlignedText lowercaseOutsideTokens(const AlignedText& text) const;

private:
    std::vector<AddedToken> m_tokens;
    std::unordered_map<std::string, std::size_t> m_byContent;
    std::unordered_map<std::int32_t, std::size_t> m_byId;
};

}  // namespace attnviz::core
