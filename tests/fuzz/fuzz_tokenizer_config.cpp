// tokenizer_config.json of arbitrary bytes (special tokens, lower-casing,
// added_tokens_decoder, the tokenizer class) beside a valid tiny tokenizer:
// the first byte picks which one (vocab.txt, vocab.json + merges.txt,
// tokenizer.model, tokenizer.json), the folder is loaded as the app does.
#include "fuzz_support.h"
#include "tiny_tokenizers.h"

using namespace attnviz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const auto& tiny = fuzz::tinyTokenizers();
    const fuzz::TinyTokenizer& base = tiny[data[0] % tiny.size()];
    const std::filesystem::path dir = fuzz::scratchDir("tokenizer-config-" + base.name);
    for (const auto& [name, content] : base.files) fuzz::writeBytes(dir / name, content);
    fuzz::writeBytes(dir / "tokenizer_config.json", std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
    auto tok = core::loadTokenizer(dir);
    if (!fuzz::okOrCheckedError(tok)) return 0;
    fuzz::exerciseTokenizer(**tok);
    return 0;
}
