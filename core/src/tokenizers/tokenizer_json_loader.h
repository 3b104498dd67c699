// tokenizer.json (the Hugging Face `tokenizers` format) -> PipelineTokenizer.
// Supported: WordPiece and BPE models (byte fallback, ignore_merges,
// continuing-subword prefix), the normalizers, pre-tokenizers,
// post-processors and decoders that BERT, GPT-2, RoBERTa, Llama-2/Mistral
// and Llama-3/Qwen2 files use. Anything else is refused with
// ErrorCode::Unsupported ("unsupported tokenizer.json feature ..."), so the
// caller can fall back to another file in the folder; a file that cannot be
// read or is malformed gives Io or CorruptFile. Truncation and padding are
// ignored: attnviz shows the whole text and never pads.
#pragma once

#include "tokenizer_config.h"

#include "attnviz/core/tokenizer.h"

#include <filesystem>
#include <memory>

namespace attnviz::core {

Result<std::unique_ptr<Tokenizer>> loadTokenizerJson(const std::filesystem::path& file, const TokenizerConfig& config);

}  // namespace attnviz::core
