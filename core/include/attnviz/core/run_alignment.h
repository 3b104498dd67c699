// Lining up the tokens of two runs (pin and compare): the same tokens one to
// one; otherwise by the characters of the texts, so two tokenizers of the
// same sentence, or an edited sentence, still compare where they agree.
//
// Character spans: the bytes each text has in common with the other (the
// longest common subsequence of the two texts, per segment) link every token
// of one run to the tokens of the other that hold the same bytes (spaces
// link only tokens that are nothing but spaces); tokens
// linked directly or through others form one unit ("anim" + "al" of one run
// with "animal" of the other). Special tokens the tokenizers add (empty
// spans) pair up in order at the start and at the end. Tokens of text the
// other run does not have match nothing and are left out.
#pragma once

#include "attnviz/core/tokenizer.h"

#include <string>
#include <vector>

namespace attnviz::core {

struct AlignedUnit {
    std::vector<int> a;  // token indices in run A, ascending
    std::vector<int> b;  // token indices in run B, ascending
};

struct RunAlignment {
    enum class Method { SameTokens, CharacterSpans, Position };
    Method method = Method::SameTokens;
    std::vector<AlignedUnit> units;  // in order of their first token in A
    int tokensA = 0;
    int tokensB = 0;
    int matchedA = 0;  // tokens of A in some unit
    int matchedB = 0;
    // "the same 15 tokens", "by character spans: 14 of 15 and 12 of 13 tokens
    // matched in 11 units", ...
    std::string description() const;
};

// `textsA`/`textsB`: the text of each segment the tokens' spans index
// (segment 0: the text, 1: the pair). Texts longer than the comparison can
// afford (their common-subsequence table over 64 MB after the shared
// beginning and end are set aside) align by position, and say so.
RunAlignment alignRuns(const std::vector<Token>& a, const std::vector<std::string>& textsA,
                       const std::vector<Token>& b, const std::vector<std::string>& textsB);

// A by-position alignment of the first min(tokensA, tokensB) tokens.
RunAlignment alignByPosition(int tokensA, int tokensB);

}  // namespace attnviz::core
