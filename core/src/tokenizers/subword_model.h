// The vocabulary model that turns one pre-tokenized word into ids:
// WordPiece or BPE. Implementations are immutable after loading except for
// internal caches, which they guard themselves (encode runs on many threads).
#pragma once

#include "attnviz/core/result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz::core {

struct SubToken {
    std::int32_t id = 0;
    std::size_t begin = 0;  // byte range in the word
    std::size_t end = 0;
};

class SubwordModel {
public:
    virtual ~SubwordModel() = default;
    virtual Status tokenize(std::string_view word, std::vector<SubToken>& out) const = 0;
    virtual std::optional<std::int32_t> tokenToId(std::string_view token) const = 0;
    virtual std::string idToToken(std::int32_t id) const = 0;  // "" when unknown
    // One past the largest id.
    virtual std::int32_t vocabSize() const = 0;
};

}  // namespace attnviz::core
