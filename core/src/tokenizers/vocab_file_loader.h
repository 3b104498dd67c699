// Tokenizers from the slow Hugging Face vocabulary files, configured to
// behave like the Python classes (the reference for attnviz's token ids):
// - vocab.txt: BertTokenizer / DistilBertTokenizer (WordPiece);
// - vocab.json + merges.txt: GPT2Tokenizer / RobertaTokenizer (byte-level BPE).
#pragma once

#include "tokenizer_config.h"

#include "attnviz/core/tokenizer.h"

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace attnviz::core {

Result<std::unique_ptr<Tokenizer>> loadWordPieceVocab(const std::filesystem::path& dir, const TokenizerConfig& config);
Result<std::unique_ptr<Tokenizer>> loadByteLevelBpeVocab(const std::filesystem::path& dir,
                                                         const TokenizerConfig& config);
// The same from a vocabulary and merges in memory (a GGUF file's);
// `source` names them in errors.
Result<std::unique_ptr<Tokenizer>> byteLevelBpeFromVocab(const std::vector<std::pair<std::string, std::int32_t>>& vocab,
                                                         const std::vector<std::pair<std::string, std::string>>& merges,
                                                         const TokenizerConfig& config, const std::string& source);

}  // namespace attnviz::core
