// tokenizer.ggml.pre -> pre-tokenizer. The patterns are the ones of the
// Hugging Face tokenizer.json files (llama.cpp rewrites the case-insensitive
// group `(?i:'s|...)` by hand for its own regex engine; PCRE2 takes the
// original). Several names share a pattern, as they share one in
// llama.cpp's llm_tokenizer_bpe.
#include "gguf_pre_tokenizers.h"

#include <array>

namespace attnviz::core {
namespace {

// Llama 3 (Meta-Llama-3 tokenizer.json): letters with one leading
// non-letter, numbers in groups of up to three.
constexpr const char* kLlama3 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// Qwen2 (Qwen1.5/Qwen2 tokenizer.json): as Llama 3 but single digits.
constexpr const char* kQwen2 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

enum class Family { Gpt2, Gpt2Nfc, Llama3, Qwen2, DigitsThenGpt2 };

struct Entry {
    const char* name;
    Family family;
};

// llama.cpp's names (llama-vocab.cpp, load: tokenizer_pre ==) grouped by the
// pre-tokenizer they select. GPT-NeoX-20B's tokenizer (Pythia, MPT, OLMo)
// adds an NFC normalizer; llama.cpp's converter labels Pythia files "olmo"
// (the same check hash as "mpt"; its last match wins) and its built-in
// GPT-NeoX vocabulary "mpt".
// "default" (or no name) stays GPT-2's, as attnviz read such files before;
// llama.cpp gives it a multi-pattern split of its own.
constexpr std::array kEntries = {
    Entry{"default", Family::Gpt2},
    Entry{"gpt-2", Family::Gpt2},
    Entry{"phi-2", Family::Gpt2},
    Entry{"roberta-bpe", Family::Gpt2},
    Entry{"jina-es", Family::Gpt2},
    Entry{"jina-de", Family::Gpt2},
    Entry{"jina-v1-en", Family::Gpt2},
    Entry{"jina-v2-es", Family::Gpt2},
    Entry{"jina-v2-de", Family::Gpt2},
    Entry{"jina-v2-code", Family::Gpt2},
    Entry{"gigachat", Family::Gpt2},
    Entry{"jais", Family::Gpt2},
    Entry{"mpt", Family::Gpt2Nfc},
    Entry{"olmo", Family::Gpt2Nfc},
    Entry{"llama3", Family::Llama3},
    Entry{"llama-v3", Family::Llama3},
    Entry{"llama-bpe", Family::Llama3},
    Entry{"falcon3", Family::Llama3},
    Entry{"qwen2", Family::Qwen2},
    Entry{"deepseek-r1-qwen", Family::Qwen2},
    // Digits(individual_digits) then ByteLevel with GPT-2's pattern.
    Entry{"starcoder", Family::DigitsThenGpt2},
    Entry{"refact", Family::DigitsThenGpt2},
    Entry{"smollm", Family::DigitsThenGpt2},
};

}  // namespace

std::optional<GgufPreTokenizer> findGgufPreTokenizer(const std::string& name) {
    for (const Entry& e : kEntries) {
        if (name != e.name) continue;
        GgufPreTokenizer p;
        switch (e.family) {
        case Family::Gpt2: break;
        case Family::Gpt2Nfc: p.variant.nfc = true; break;
        case Family::Llama3:
            // llama.cpp: ignore_merges and add_bos for these names, as
            // Llama 3's tokenizer.json (ignore_merges, <|begin_of_text|>).
            p.variant.pattern = kLlama3;
            p.variant.ignoreMerges = true;
            p.addBosByDefault = true;
            break;
        case Family::Qwen2:
            p.variant.pattern = kQwen2;
            p.variant.nfc = true;
            break;
        case Family::DigitsThenGpt2: p.variant.isolate = {R"(\p{N})"}; break;
        }
        return p;
    }
    return std::nullopt;
}

std::vector<std::string> ggufPreTokenizerNames() {
    std::vector<std::string> out;
    for (const Entry& e : kEntries) out.emplace_back(e.name);
    return out;
}

}  // namespace attnviz::core
