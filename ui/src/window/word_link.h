// Which heads link one word of the text to another: for the tour's "which
// heads link 'it' and 'animal'?". Words are found in the run's tokens by
// their text (a word may span several tokens: "anim" + "al"), and each head
// is scored by the attention the query word's last token gives the key
// word's tokens (summed).
#pragma once

#include "attnviz/core/attention_trace.h"
#include "attnviz/ui/session/head_ref.h"
#include "attnviz/ui/session/session_result.h"

#include <QString>

#include <optional>
#include <vector>

namespace attnviz::ui {

struct TokenSpan {
    int first = 0;  // token index
    int count = 0;
};

// The last run of consecutive tokens whose texts (space markers and
// surrounding spaces dropped, case ignored) join to `word`; nullopt when
// there is none.
std::optional<TokenSpan> findWord(const std::vector<TokenLabel>& tokens, const QString& word);

struct WordLink {
    HeadRef head;
    double attention = 0;  // sum over the key word's tokens of a[query][key]
};

// Every head, most attention first. `query` must come after or overlap
// `key` for a causal model to see it; heads see what the trace holds.
std::vector<WordLink> rankWordLinks(const core::AttentionTrace& trace, TokenSpan query, TokenSpan key);

}  // namespace attnviz::ui
