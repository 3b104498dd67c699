// tokenizer.json documents on tiny vocabularies, built in code, shared by the
// tokenizer tests (which work out expected ids from them by hand) and the fuzz
// support (which loads them as seeds and fixed tokenizers). Each builder
// imitates the file one model family ships.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace attnviz::test {

// A model "vocab" object: tokens[i] -> i.
nlohmann::json vocabOf(const std::vector<std::string>& tokens);
// One "added_tokens" entry: not single_word, lstrip, rstrip or normalized.
nlohmann::json addedToken(int id, const std::string& content, bool special = true);

// Llama-3's pre-tokenization pattern.
extern const char* const kLlama3Pattern;
// Llama-3's pre_tokenizer: Split on kLlama3Pattern (Isolated), then ByteLevel
// without prefix space or its own regex.
nlohmann::json llama3PreTokenizer();

// Llama-2 (a SentencePiece BPE converted to tokenizer.json): Prepend and
// Replace "▁" normalizer, no pre-tokenizer, BPE with byte fallback and
// fuse_unk, "<s> A" / "<s> A <s> B" template, decoder Replace "▁" ->
// ByteFallback -> Fuse -> Strip one leading space.
// ids: 0 <unk>, 1 <s>, 2 </s>, 3..258 <0x00>..<0xFF>, then 259 "▁", 260 "H",
// 261 "e", 262 "l", 263 "o", 264 "▁H", 265 "▁He", 266 "ll", 267 "▁Hell",
// 268 "▁Hello", 269 "w", 270 "▁w".
nlohmann::json llama2Style();

// BERT: BertNormalizer (lowercase, CJK isolated), BertPreTokenizer,
// BertProcessing "[CLS] A [SEP]", WordPiece with "##" on a 12-token vocabulary
// ([PAD] [UNK] [CLS] [SEP] hello hel ##lo world ! a ##a 中); a word longer than
// `maxInputCharsPerWord` characters is [UNK].
nlohmann::json wordPieceStyle(int maxInputCharsPerWord);

}  // namespace attnviz::test
