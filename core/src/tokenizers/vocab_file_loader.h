// Tokenizers from the slow Hugging Face vocabulary files, configured to
// behave like the Python classes (the reference for attnviz's token ids):
// - vocab.txt: BertTokenizer / DistilBertTokenizer (WordPiece);
// - vocab.json + merges.txt: GPT2Tokenizer / RobertaTokenizer (byte-level BPE).
#pragma once

#include "pre_tokenizer.h"
#include "tokenizer_config.h"

#include "attnviz/core/tokenizer.h"

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace attnviz::core {

Result<std::unique_ptr<Tokenizer>> loadWordPieceVocab(const std::filesystem::path& dir, const TokenizerConfig& config);
// The same from a vocabulary in memory (vocab[i] is the token of id i; a
// GGUF file's); `source` names it in errors.
Result<std::unique_ptr<Tokenizer>> wordPieceFromVocab(std::vector<std::string> vocab, const TokenizerConfig& config,
                                                      const std::string& source);
Result<std::unique_ptr<Tokenizer>> loadByteLevelBpeVocab(const std::filesystem::path& dir,
                                                         const TokenizerConfig& config);
// How a byte-level BPE tokenizer other than GPT-2's splits its text (the
// pre-tokenizers llama.cpp names in tokenizer.ggml.pre, as their Hugging
// Face tokenizer.json files define them).
struct ByteLevelBpeVariant {
    bool nfc = false;                        // an NFC normalizer first (GPT-NeoX, Qwen2)
    std::vector<std::string> isolate;        // Split(pattern, Isolated) steps before the byte-level one
    std::string pattern;                     // the byte-level split; empty: GPT-2's
    bool ignoreMerges = false;               // a word that is itself in the vocabulary is one token (Llama 3)
};

// The pre-tokenizer of `variant` (its split steps, then ByteLevel).
Result<PreTokenizer> byteLevelPreTokenizer(const ByteLevelBpeVariant& variant);

// The same from a vocabulary and merges in memory (a GGUF file's);
// `source` names them in errors.
Result<std::unique_ptr<Tokenizer>> byteLevelBpeFromVocab(const std::vector<std::pair<std::string, std::int32_t>>& vocab,
                                                         const std::vector<std::pair<std::string, std::string>>& merges,
                                                         const TokenizerConfig& config, const std::string& source,
                                                         const ByteLevelBpeVariant& variant = {});

}  // namespace attnviz::core
