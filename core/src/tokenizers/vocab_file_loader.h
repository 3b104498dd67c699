// Tokenizers from the slow Hugging Face vocabulary files, configured to
// behave like the Python classes (the reference for attnviz's token ids):
// - vocab.txt: BertTokenizer / DistilBertTokenizer (WordPiece);
// - vocab.json + merges.txt: GPT2Tokenizer / RobertaTokenizer (byte-level BPE).
#pragma once

#include "tokenizer_config.h"

#include "attnviz/core/tokenizer.h"

#include <filesystem>
#include <memory>

namespace attnviz::core {

Result<std::unique_ptr<Tokenizer>> loadWordPieceVocab(const std::filesystem::path& dir, const TokenizerConfig& config);
Result<std::unique_ptr<Tokenizer>> loadByteLevelBpeVocab(const std::filesystem::path& dir,
                                                         const TokenizerConfig& config);

}  // namespace attnviz::core
