// Splitting normalised text into words before the subword model: the steps
// of a tokenizer.json "pre_tokenizer" (BertPreTokenizer, ByteLevel,
// Metaspace, Split, Whitespace, WhitespaceSplit, Punctuation, Digits,
// CharDelimiterSplit, Sequence) and the slow tokenizers' equivalents.
#pragma once

#include "aligned_text.h"
#include "pcre2_regex.h"

#include "attnviz/core/result.h"

#include <memory>
#include <string>
#include <vector>

namespace attnviz::core {

class PreTokenizer {
public:
    // What happens to the delimiters a step finds (Hugging Face's
    // SplitDelimiterBehavior).
    enum class Behavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };
    enum class Kind {
        SplitWhitespace,   // drop whitespace (Python or Rust flavour), keep the rest
        SplitPunctuation,  // BERT punctuation set, `behavior` (Isolated for BERT)
        SplitDigits,       // numeric characters; Isolated when `individual`, else Contiguous
        SplitChar,         // one delimiter character, Removed
        SplitRegex,        // `regex` (or literal `pattern`) with `behavior` and `invert`
        ByteLevel,         // optional prefix space, optional GPT-2 regex, bytes -> alphabet
        Metaspace,         // ' ' -> replacement, optional prefix, optional split before it
    };
    enum class PrependScheme { Always, First, Never };
    struct Step {
        static Step of(Kind kind) {
            Step s;
            s.kind = kind;
            return s;
        }
        Kind kind = Kind::SplitWhitespace;
        Behavior behavior = Behavior::Isolated;
        bool rustFlavour = true;
        bool invert = false;
        bool individual = false;
        bool addPrefixSpace = false;
        bool useRegex = true;
        bool split = true;
        PrependScheme prependScheme = PrependScheme::Always;
        char32_t delimiter = U' ';
        std::string pattern;      // literal pattern, or the replacement for Metaspace
        std::shared_ptr<const Pcre2Regex> regex;
    };

    void add(Step step) { m_steps.push_back(std::move(step)); }
    bool empty() const { return m_steps.empty(); }
    const std::vector<Step>& steps() const { return m_steps; }
    bool hasByteLevel() const;

    // Splits `text` into the words the model sees (empty words dropped).
    Result<std::vector<AlignedText>> apply(AlignedText text) const;

private:
    std::vector<Step> m_steps;
};

}  // namespace attnviz::core
