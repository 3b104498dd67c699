// The tokenizer a GGUF file carries in its metadata (tokenizer.ggml.*),
// built to give the ids of the Hugging Face slow tokenizer of the same
// vocabulary: "llama" (SentencePiece BPE with scores, token types and byte
// fallback, as LlamaTokenizer), "gpt2" (byte-level BPE from tokens and
// merges, as GPT2Tokenizer, with the pre-tokenizer tokenizer.ggml.pre names:
// core/src/gguf/gguf_pre_tokenizers.cpp) and "bert" (WordPiece, as
// BertTokenizer, from the converter's phantom-space vocabulary).
#pragma once

#include "attnviz/core/gguf_file.h"
#include "attnviz/core/result.h"
#include "attnviz/core/tokenizer.h"

#include <memory>

namespace attnviz::core {

Result<std::unique_ptr<Tokenizer>> loadGgufTokenizer(const GgufFile& file);

}  // namespace attnviz::core
