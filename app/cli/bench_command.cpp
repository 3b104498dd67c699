// attnviz-cli bench: milliseconds per forward pass with full attention capture.
#include "arg_parser.h"
#include "commands.h"

#include "attnviz/core/compute_threads.h"
#include "attnviz/core/model.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

namespace attnviz::cli {

int runBench(const std::vector<std::string>& argv) {
    auto args = ArgParser::parse(argv, {{"--model"}, {"--tokens"}, {"--repeat"}, {"--threads"}, {"--mask"}, {"--scores", false}});
    if (!args) return fail(args.error());
    auto dir = args->required("--model");
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
    auto model = core::loadModel(*dir);
    if (!model) return fail(model.error());
    const double loadMs = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    const core::ModelConfig& c = (*model)->config();

    // Seeded random ordinary ids: attention cost does not depend on which ids.
    std::mt19937 rng(1234);
    std::uniform_int_distribution<int> pick(0, c.vocabSize - 1);
    std::vector<std::int32_t> ids(static_cast<std::size_t>(*tokens));
    for (auto& id : ids) id = pick(rng);
    core::RunOptions options;
    options.mask = *mask;
    options.captureScores = args->has("--scores");

    std::printf("model      %s (%s, %d layers x %d heads, d_model %d)\n", (*model)->name().c_str(), c.modelType.c_str(),
                c.nLayers, c.nHeads, c.dModel);
    std::printf("backend    %s\n", core::computeBackendInfo().c_str());
    std::printf("load       %.1f ms\n", loadMs);
    auto warm = (*model)->run(ids, options);  // first touch of the mapped weights
    if (!warm) return fail(warm.error());
    std::vector<double> ms;
    for (int r = 0; r < *repeat; ++r) {
        const auto s = Clock::now();
        auto trace = (*model)->run(ids, options);
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - s).count());
        if (!trace) return fail(trace.error());
    }
    std::sort(ms.begin(), ms.end());
    const double median = ms.size() % 2 ? ms[ms.size() / 2] : 0.5 * (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]);
    std::printf("tokens     %d\nrepeat     %d\nmedian     %.2f ms\nmin        %.2f ms\n", *tokens, *repeat, median, ms.front());
    return 0;
}

}  // namespace attnviz::cli
