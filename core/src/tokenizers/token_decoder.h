// Tokens back to text: the steps of a tokenizer.json "decoder" (ByteLevel,
// WordPiece, Metaspace, Replace, ByteFallback, Fuse, Strip, BPEDecoder,
// Sequence), applied to a run of model tokens as Hugging Face's decode_chain.
#pragma once

#include "pcre2_regex.h"

#include <memory>
#include <string>
#include <vector>

namespace attnviz::core {

class TokenDecoder {
public:
    enum class Kind { ByteLevel, WordPiece, Metaspace, Replace, ByteFallback, Fuse, Strip, BpeSuffix };
    struct Step {
        static Step of(Kind kind) {
            Step s;
            s.kind = kind;
            return s;
        }
        Kind kind = Kind::Fuse;
        std::string pattern;  // Replace: literal; WordPiece: prefix; Metaspace: replacement; BpeSuffix: suffix
        std::shared_ptr<const Pcre2Regex> regex;  // Replace with a regex
        std::string content;  // Replace: replacement; Strip: the character
        bool cleanup = false;  // WordPiece: undo spaces before punctuation
        bool prependFirst = true;  // Metaspace: the first token's leading space is the added prefix
        std::size_t start = 0;  // Strip: at most this many at the start
        std::size_t stop = 0;   // ... and at the end
    };

    void add(Step step) { m_steps.push_back(std::move(step)); }
    bool empty() const { return m_steps.empty(); }
    const std::vector<Step>& steps() const { return m_steps; }
    // Without steps the tokens are concatenated.
    std::string decode(std::vector<std::string> tokens) const;

private:
    std::vector<Step> m_steps;
};

}  // namespace attnviz::core
