// The BPE pre-tokenizers a GGUF file names in `tokenizer.ggml.pre` (llama.cpp's
// names, src/llama-vocab.cpp) that attnviz runs, as the Hugging Face
// tokenizer.json of the models they come from defines them.
#pragma once

#include "../tokenizers/vocab_file_loader.h"

#include <optional>
#include <string>
#include <vector>

namespace attnviz::core {

struct GgufPreTokenizer {
    ByteLevelBpeVariant variant;
    bool addBosByDefault = false;  // without tokenizer.ggml.add_bos_token (llama.cpp: Llama 3)
};

// Nullopt for a name attnviz does not run.
std::optional<GgufPreTokenizer> findGgufPreTokenizer(const std::string& name);
// The names it runs, for messages.
std::vector<std::string> ggufPreTokenizerNames();

}  // namespace attnviz::core
