// tokenizer.json of arbitrary bytes: a clear error, or a tokenizer whose
// encode and decode keep their promises (see fuzz_support.h).
#include "fuzz_support.h"

using namespace attnviz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::filesystem::path dir = fuzz::scratchDir("tokenizer-json");
    fuzz::writeBytes(dir / "tokenizer.json", std::string_view(reinterpret_cast<const char*>(data), size));
    auto tok = core::loadTokenizer(dir, core::TokenizerFormat::TokenizerJson);
    if (!fuzz::okOrCheckedError(tok)) return 0;
    fuzz::exerciseTokenizer(**tok);
    return 0;
}
