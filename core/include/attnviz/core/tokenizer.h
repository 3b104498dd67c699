// Text to token ids, behind one interface for every tokenizer family.
//
//   auto tok = loadTokenizer(modelDir);           // picks the right kind
//   Result<Encoding> enc = (*tok)->encode("The cat sat.");
//   for (const Token& t : enc->tokens) std::cout << t.id << " " << t.display << "\n";
#pragma once

#include "attnviz/core/result.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz::core {

struct Token {
    std::int32_t id = 0;
    std::string piece;         // the vocabulary string (e.g. "Ġcat", "▁The", "##ing", "<0xE2>")
    std::string display;       // readable form for UI, CLI and exports
    std::size_t start = 0;     // byte span in the text of its segment (text or pair);
    std::size_t end = 0;       // start == end for added special tokens
    bool special = false;      // [CLS], <s>, ... (added or typed in the text)
    std::int32_t typeId = 0;   // token type (segment id) as the model sees it
    int segment = 0;           // 0: first text, 1: pair text
};

struct Encoding {
    std::vector<Token> tokens;

    std::vector<std::int32_t> ids() const;
    std::vector<std::int32_t> typeIds() const;
};

class Tokenizer {
public:
    virtual ~Tokenizer() = default;

    // `pair` is the second sentence of a sentence pair, if any.
    virtual Result<Encoding> encode(std::string_view text,
                                    std::optional<std::string_view> pair = std::nullopt) const = 0;
    virtual Result<std::string> decode(std::span<const std::int32_t> ids) const = 0;

    // The vocabulary string of an id and its readable form ("" when out of range).
    virtual std::string piece(std::int32_t id) const = 0;
    virtual std::string display(std::int32_t id) const = 0;
    virtual std::int32_t vocabSize() const = 0;
    virtual bool supportsPairs() const = 0;
    virtual std::string kind() const = 0;  // "sentencepiece", "wordpiece", ...
};

// Chooses the tokenizer from the files in `dir`. Errors say which files were
// looked for.
Result<std::unique_ptr<Tokenizer>> loadTokenizer(const std::filesystem::path& dir);

// Encodes `text` in UTF-8 validity: the byte offset of the first invalid
// sequence, or nullopt when valid.
std::optional<std::size_t> findInvalidUtf8(std::string_view text);

}  // namespace attnviz::core
