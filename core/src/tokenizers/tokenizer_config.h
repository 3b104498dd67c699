// The settings a Hugging Face tokenizer folder keeps next to its vocabulary:
// tokenizer_config.json (class, flags, special tokens, added_tokens_decoder)
// completed by special_tokens_map.json and added_tokens.json. Missing files
// mean "class defaults". Without a tokenizer_class, config.json's model_type
// names it where that decides the conventions (as AutoTokenizer does).
#pragma once

#include "added_vocabulary.h"

#include "attnviz/core/result.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace attnviz::core {

class TokenizerConfig {
public:
    static Result<TokenizerConfig> load(const std::filesystem::path& dir);
    // Settings written in code (a GGUF file's tokenizer): a
    // tokenizer_config.json object; `source` names where they came from.
    static TokenizerConfig fromJson(nlohmann::json config, std::string source);

    // "BertTokenizer", "LlamaTokenizer", ... with any "Fast" suffix removed;
    // else the class of config.json's model_type ("albert": AlbertTokenizer,
    // "t5": T5Tokenizer, "marian": MarianTokenizer, "bart": BartTokenizer);
    // "" when neither says.
    const std::string& tokenizerClass() const { return m_class; }
    std::optional<bool> flag(const char* key) const;
    bool flagOr(const char* key, bool fallback) const { return flag(key).value_or(fallback); }
    // An integer setting ("extra_ids"); nullopt when absent or not an integer.
    std::optional<std::int64_t> integer(const char* key) const;

    // A special-token attribute ("bos_token", "mask_token", ...): content and
    // the AddedToken flags written with it; `fallback` when absent. An
    // explicit null means "none".
    std::optional<AddedToken> specialToken(const char* key, std::optional<std::string> fallback) const;
    // Whether that attribute was written as an object with its own flags
    // (else class defaults such as RoBERTa's lstrip on <mask> apply).
    bool specialTokenHasFlags(const char* key) const;
    std::vector<AddedToken> additionalSpecialTokens() const;
    // added_tokens_decoder (ids given) and added_tokens.json entries.
    const std::vector<AddedToken>& addedTokens() const { return m_added; }
    // Whether the class's tokenizer returns token_type_ids (BERT, ALBERT: yes;
    // DistilBERT, RoBERTa, GPT-2, Llama: no, the model sees type 0).
    bool returnsTokenTypeIds() const;
    // Where settings came from, for messages.
    const std::string& source() const { return m_source; }

private:
    nlohmann::json m_config = nlohmann::json::object();
    nlohmann::json m_specialMap = nlohmann::json::object();
    std::vector<AddedToken> m_added;
    std::string m_class;
    std::string m_source;
};

// Reads a special-token entry: a string or {"content": ..., "lstrip": ...}.
std::optional<AddedToken> parseAddedToken(const nlohmann::json& entry);

}  // namespace attnviz::core
