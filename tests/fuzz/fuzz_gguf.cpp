// A .gguf file of arbitrary bytes: opened (header, metadata and tensor infos
// validated), every tensor's bytes touched, then loaded as a model and run
// on three ids, and its tokenizer built and used when the metadata has one.
#include "fuzz_support.h"

#include "attnviz/core/gguf_file.h"
#include "attnviz/core/gguf_tokenizer.h"
#include "attnviz/core/model.h"

#include <cmath>

using namespace attnviz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::filesystem::path path = fuzz::scratchDir("gguf") / "model.gguf";
    fuzz::writeBytes(path, std::string_view(reinterpret_cast<const char*>(data), size));
    auto file = core::GgufFile::open(path);
    if (!fuzz::okOrCheckedError(file)) return 0;

    unsigned sum = 0;
    for (const core::GgufTensorInfo& t : file->tensors()) {
        FUZZ_CHECK(file->tensor(t.name) == &t, t.name);
        FUZZ_CHECK(t.offset + t.byteSize <= size - file->dataOffset(), t.name);
        if (t.byteSize == 0) continue;
        // The first and last bytes: a span outside the mapping faults here.
        sum += static_cast<unsigned>(t.data[0]) + static_cast<unsigned>(t.data[t.byteSize - 1]);
    }
    (void)sum;

    auto tokenizer = core::loadGgufTokenizer(*file);
    if (fuzz::okOrCheckedError(tokenizer)) {
        auto enc = (*tokenizer)->encode("hello world");
        if (fuzz::okOrCheckedError(enc)) {
            for (const core::Token& t : enc->tokens) FUZZ_CHECK(t.id >= 0 && t.id < (*tokenizer)->vocabSize(), t.piece);
        }
    }

    auto model = core::loadModel(path);
    if (!fuzz::okOrCheckedError(model)) return 0;
    const int vocab = (*model)->config().vocabSize;
    const std::vector<std::int32_t> ids = {0, 1 % vocab, 2 % vocab};
    auto trace = (*model)->run(ids, core::RunOptions{});
    if (!fuzz::okOrCheckedError(trace)) return 0;
    for (int l = 0; l < trace->nLayers(); ++l)
        for (int h = 0; h < trace->nHeads(); ++h)
            for (int i = 0; i < trace->seqLen(); ++i) {
                double row = 0.0;
                for (int j = 0; j < trace->seqLen(); ++j) row += trace->prob(l, h, i, j);
                FUZZ_CHECK(std::fabs(row - 1.0) < 1e-3, "attention row does not sum to 1");
            }
    return 0;
}
