// The tokenizer metadata llama.cpp's convert_hf_to_gguf.py writes for a
// Hugging Face vocabulary, done here in the converter's steps, so tests can
// run a real vocabulary through the GGUF tokenizer without a converted file.
#pragma once

#include "support/gguf_builder.h"

#include <filesystem>
#include <optional>
#include <string>

namespace attnviz::test {

// BertModel.set_vocab on a vocab.txt folder (bert-base-uncased style, its
// special tokens [UNK] [SEP] [PAD] [CLS] [MASK]): the "phantom space" token
// list, CONTROL types for the specials, their ids (no cls_token_id: the
// converter's gguf-py has no writer for it), token_type_count 2. Nullopt when
// the file cannot be read.
std::optional<GgufBuilder> bertVocabAsGguf(const std::filesystem::path& vocabTxt);

// Model._set_vocab_gpt2 on a tokenizer.json (no tokenizer_config.json): tokens
// by id ("[PAD<i>]", UNUSED, for holes), added tokens CONTROL when special or
// "<|...|>", else USER_DEFINED; merges as "a b" strings; `pre` as
// tokenizer.ggml.pre.
std::optional<GgufBuilder> gpt2VocabAsGguf(const std::filesystem::path& tokenizerJson, const std::string& pre);

}  // namespace attnviz::test
