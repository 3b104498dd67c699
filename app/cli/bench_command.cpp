// attnviz-cli bench: milliseconds per run with full attention capture, through
// the same Session as every other command.
#include "arg_parser.h"
#include "commands.h"
#include "model_input.h"
#include "memory_bandwidth.h"
#include "process_memory.h"

#include "attnviz/core/compute_threads.h"
#include "attnviz/core/flop_count.h"
#include "attnviz/core/session.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

namespace attnviz::cli {

int runBench(const std::vector<std::string>& argv) {
    if (std::find(argv.begin(), argv.end(), "--typing") != argv.end()) return runTypingBench(argv);
    auto args = ArgParser::parse(argv, {{"--model"}, {"--tokens"}, {"--repeat"}, {"--threads"}, {"--mask"}, {"--scores", false}});
    if (!args) return fail(args.error());
    auto dir = modelPath(*args);
    if (!dir) return fail(dir.error());
    auto tokens = args->intValue("--tokens", 128, 1, 1 << 16);
    if (!tokens) return fail(tokens.error());
    auto repeat = args->intValue("--repeat", 10, 1, 100000);
    if (!repeat) return fail(repeat.error());
    auto threads = args->intValue("--threads", 0, 0, 1024);
    if (!threads) return fail(threads.error());
    auto mask = core::MaskMode::parse(args->value("--mask").value_or("default"));
    if (!mask) return fail(mask.error());
    if (*threads > 0) core::setComputeThreads(*threads);

    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    auto session = core::Session::open(*dir);
    if (!session) return fail(session.error());
    const double loadMs = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    (*session)->setLimits(core::SessionLimits::none());
    (*session)->setPrefixReuse(false);  // every run computes every row
    const core::Session& s = **session;
    for (const std::string& w : s.warnings()) warn(w);
    const core::ModelConfig& c = s.model().config();

    // Seeded random ids: attention cost does not depend on which ids.
    std::mt19937 rng(1234);
    std::uniform_int_distribution<int> pick(0, c.vocabSize - 1);
    std::vector<std::int32_t> ids(static_cast<std::size_t>(*tokens));
    for (auto& id : ids) id = pick(rng);
    auto input = s.tokensFromIds(ids);
    if (!input) return fail(input.error());
    core::RunRequest request;
    request.mask = *mask;
    request.scores = args->has("--scores");

    std::printf("model      %s (%s, %d layers x %d heads, d_model %d)\n", s.name().c_str(), c.modelType.c_str(),
                c.nLayers, c.nHeads, c.dModel);
    std::printf("backend    %s\n", core::computeBackendInfo().c_str());
    std::printf("threads    %s\n", core::computeThreadLayout().c_str());
    std::printf("load       %.1f ms\n", loadMs);
    const std::uint64_t flopsBefore = core::matmulFlopsCounted();
    // The most anonymous memory (beyond mapped files: converted or
    // dequantised weights, traces) seen after loading and after each run.
    double peakAnonymousMb = readProcessMemory().anonymousMb;
    auto warm = s.run(*input, request);  // first touch of the mapped weights
    if (!warm) return fail(warm.error());
    peakAnonymousMb = std::max(peakAnonymousMb, readProcessMemory().anonymousMb);
    const double gflop = static_cast<double>(core::matmulFlopsCounted() - flopsBefore) / 1e9;
    std::vector<double> ms;
    for (int r = 0; r < *repeat; ++r) {
        const auto start = Clock::now();
        auto result = s.run(*input, request);
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        if (!result) return fail(result.error());
        peakAnonymousMb = std::max(peakAnonymousMb, readProcessMemory().anonymousMb);
    }
    std::sort(ms.begin(), ms.end());
    const double median = ms.size() % 2 ? ms[ms.size() / 2] : 0.5 * (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]);
    std::printf("tokens     %d\nrepeat     %d\nmedian     %.2f ms\nmin        %.2f ms\n", *tokens, *repeat, median, ms.front());
    // The rate of the matrix products over the whole pass, and the floor a
    // short input meets: every layer's weights read once from memory.
    std::printf("gflop      %.2f per run (matrix products)\n", gflop);
    std::printf("rate       %.1f GFLOP/s at the median, %.1f at the min\n", gflop / median * 1e3,
                gflop / ms.front() * 1e3);
    const double weightMb = static_cast<double>(s.model().layerWeightBytes()) / 1e6;
    const double bandwidth = measureReadBandwidth();
    std::printf("floor      %.2f ms: %.0f MB of layer weights at %.1f GB/s measured read bandwidth\n",
                weightMb / bandwidth, weightMb, bandwidth);
    const ProcessMemory mem = readProcessMemory();
    std::printf("memory     %.0f MB peak resident; %.0f MB anonymous at most after a run (beyond mapped files), "
                "%.0f MB of mapped files resident now\n",
                mem.peakResidentMb, peakAnonymousMb, mem.fileMb);
    return 0;
}

}  // namespace attnviz::cli
