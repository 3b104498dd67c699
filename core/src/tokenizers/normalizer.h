// Text normalisation before pre-tokenization: the steps of a tokenizer.json
// "normalizer" (BertNormalizer, NFC/NFD/NFKC/NFKD, Lowercase, StripAccents,
// Replace, Prepend, Strip, Sequence) and the equivalent steps of the slow
// BertTokenizer. Steps run in order on an AlignedText, keeping byte spans.
#pragma once

#include "aligned_text.h"
#include "pcre2_regex.h"

#include "attnviz/core/result.h"

#include <memory>
#include <string>
#include <vector>

namespace attnviz::core {

class Normalizer {
public:
    enum class Kind {
        CleanText,       // BERT: drop NUL, U+FFFD and control/format characters; whitespace -> ' '
        PadCjk,          // BERT: spaces around CJK ideographs
        StripNonspacing, // BERT strip_accents: NFD, then drop Mn
        StripMarks,      // StripAccents normalizer: drop Mn/Mc/Me (text already decomposed)
        Lowercase,
        Unicode,         // NFC/NFD/NFKC/NFKD (compose / compat flags)
        Replace,         // literal `pattern` or `regex` -> `content`
        Prepend,         // `content` in front of non-empty text
        Strip,           // whitespace at the left and/or right end
    };
    struct Step {
        static Step of(Kind kind) {
            Step s;
            s.kind = kind;
            return s;
        }
        Kind kind = Kind::Lowercase;
        bool rustFlavour = true;  // Rust (tokenizer.json) vs Python (slow) character classes
        bool compose = false;
        bool compat = false;
        bool left = false;
        bool right = false;
        std::string pattern;
        std::string content;
        std::shared_ptr<const Pcre2Regex> regex;
    };

    void add(Step step) { m_steps.push_back(std::move(step)); }
    bool empty() const { return m_steps.empty(); }
    const std::vector<Step>& steps() const { return m_steps; }
    Status apply(AlignedText& text) const;

private:
    std::vector<Step> m_steps;
};

}  // namespace attnviz::core
