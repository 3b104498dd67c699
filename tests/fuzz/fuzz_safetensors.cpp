// A .safetensors file of arbitrary bytes: opened (header validated), then
// every tensor's info checked against the file and its bytes read.
#include "fuzz_support.h"

#include "attnviz/core/dtype.h"
#include "attnviz/core/safetensors_file.h"

using namespace attnviz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::filesystem::path path = fuzz::scratchDir("safetensors") / "model.safetensors";
    fuzz::writeBytes(path, std::string_view(reinterpret_cast<const char*>(data), size));
    auto file = core::SafetensorsFile::open(path);
    if (!fuzz::okOrCheckedError(file)) return 0;

    FUZZ_CHECK(size >= 8, "a file shorter than its header length opened");
    unsigned sum = 0;
    std::string previous;
    for (const core::TensorInfo& t : file->tensors()) {
        FUZZ_CHECK(previous.empty() || previous < t.name, "tensors not sorted by name: " + t.name);
        previous = t.name;
        std::uint64_t numel = 1;
        for (std::int64_t d : t.shape) {
            FUZZ_CHECK(d >= 0, t.name);
            numel *= static_cast<std::uint64_t>(d);
        }
        FUZZ_CHECK(numel == t.numel, t.name);
        FUZZ_CHECK(t.byteSize == t.numel * core::dtypeSize(t.dtype), t.name);
        FUZZ_CHECK(t.byteSize <= size, t.name);
        FUZZ_CHECK(file->find(t.name) == &t, t.name);
        if (t.byteSize == 0) continue;
        FUZZ_CHECK(t.data != nullptr, t.name);
        // The first and last bytes: a span outside the mapping faults here.
        sum += static_cast<unsigned>(t.data[0]) + static_cast<unsigned>(t.data[t.byteSize - 1]);
    }
    for (const auto& [key, value] : file->metadata()) sum += static_cast<unsigned>(key.size() + value.size());
    (void)sum;
    return 0;
}
