// attnviz-cli analyze: head means, rollout, value-weighted norms and head
// statistics of one run as JSON, or the statistics table as CSV.
#include "commands.h"
#include "model_input.h"
#include "output_file.h"

#include "attnviz/core/analysis_json.h"
#include "attnviz/core/head_search.h"
#include "attnviz/core/head_stats.h"

#include <cstdio>

namespace attnviz::cli {

int runAnalyze(const std::vector<std::string>& argv) {
    auto specs = inputOptions();
    specs.push_back({"--mask"});
    specs.push_back({"--sort"});
    specs.push_back({"--csv", false});
    specs.push_back({"-o"});
    auto args = ArgParser::parse(argv, specs);
    if (!args) return fail(args.error());
    std::optional<core::HeadStatistic> sortBy;
    if (const auto name = args->value("--sort")) {
        sortBy = core::statisticFromName(*name);
        if (!sortBy) {
            return fail("--sort: unknown statistic '" + *name + "'; expected one of " + core::statisticNamesList());
        }
    }

    // Induction is a property of the heads, not of this text: the session
    // measures it with one more run on [BOS] + r + r under the same mask. A
    // trace file cannot be re-run: its induction and value norms are null.
    std::shared_ptr<const core::RunResult> run;
    if (args->has("--trace")) {
        auto opened = openTrace(*args);
        if (!opened) return fail(opened.error());
        run = opened->result;
    } else {
        auto opened = openSession(*args);
        if (!opened) return fail(opened.error());
        core::RunRequest request;
        request.mask = opened->mask;
        request.globalTokens = opened->globalTokens;
        request.valueNorms = true;
        request.headStatistics = true;
        request.induction = true;
        auto ran = opened->session->run(opened->tokens, request);
        if (!ran) return fail(ran.error());
        run = std::move(ran.value());
        if (!run->induction) return fail(run->inductionProblem);
    }
    const core::RunResult& result = *run;

    std::vector<core::HeadStats> stats = result.headStats;
    if (sortBy) {
        std::vector<core::HeadStats> sorted;
        const int nHeads = result.trace->nHeads();
        for (const core::HeadScore& s : core::rankHeadsByStatistic(stats, *sortBy)) {
            sorted.push_back(stats[static_cast<std::size_t>(s.layer) * nHeads + s.head]);
        }
        stats = std::move(sorted);
    }

    if (args->has("--csv")) {
        return writeOutput(args->value("-o"), [&](std::FILE* f) { return core::writeHeadStatsCsv(f, stats); });
    }
    const core::AnalysisJsonHeader header{result.modelName, result.modelType, result.requestedMask.toString(),
                                          result.displayTexts()};
    return writeOutput(args->value("-o"), [&](std::FILE* f) {
        return core::writeAnalysisJson(f, header, *result.trace, stats,
                                       result.induction ? &result.induction->sequence : nullptr);
    });
}

}  // namespace attnviz::cli
