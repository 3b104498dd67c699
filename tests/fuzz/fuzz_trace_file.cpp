// A trace file of arbitrary bytes: read (container, header and values
// validated); what opens must hold what the header promises, and turn into
// a RunResult whose statistics cover every head.
#include "fuzz_support.h"

#include "attnviz/core/trace_file.h"

#include <cmath>

using namespace attnviz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::filesystem::path path = fuzz::scratchDir("trace") / "trace.safetensors";
    fuzz::writeBytes(path, std::string_view(reinterpret_cast<const char*>(data), size));
    auto file = core::readTraceFile(path);
    if (!fuzz::okOrCheckedError(file)) return 0;

    const core::AttentionTrace& t = *file->trace;
    const int T = t.seqLen();
    FUZZ_CHECK(t.nLayers() >= 1 && t.nHeads() >= 1 && T >= 1, "empty trace opened");
    FUZZ_CHECK(static_cast<int>(file->header.tokens.size()) == T, "tokens vs seq_len");
    FUZZ_CHECK(static_cast<int>(t.tokenIds.size()) == T, "token ids vs seq_len");
    FUZZ_CHECK(t.tokenTypeIds.empty() || static_cast<int>(t.tokenTypeIds.size()) == T, "token types vs seq_len");
    FUZZ_CHECK(static_cast<int>(t.layerKinds().size()) == t.nLayers(), "layer kinds vs n_layers");
    FUZZ_CHECK(t.mask().kind != core::MaskMode::Kind::Default, "unresolved mask");
    for (int l = 0; l < t.nLayers(); ++l)
        for (int h = 0; h < t.nHeads(); ++h)
            for (int q = 0; q < T; ++q) {
                double sum = 0;
                for (int k = 0; k < T; ++k) {
                    const float p = t.prob(l, h, q, k);
                    FUZZ_CHECK(std::isfinite(p) && p >= 0.0f, "a value that is not a probability opened");
                    FUZZ_CHECK(p == 0.0f || t.layerMask(l).allows(q, k), "a masked entry that is not 0 opened");
                    sum += p;
                }
                FUZZ_CHECK(std::fabs(sum - 1.0) <= 0.011, "a row that does not sum to 1 opened");
            }
    const auto result = core::runResultFromTrace(*file);
    FUZZ_CHECK(result->headStats.size() == static_cast<std::size_t>(t.nLayers()) * t.nHeads(), "statistics of every head");
    FUZZ_CHECK(result->tokenCount() == T, "result tokens");
    return 0;
}
