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

    auto opened = openSession(*args);
    if (!opened) return fail(opened.error());
    // Induction is a property of the heads, not of this text: the session
    // measures it with one more run on [BOS] + r + r under the same mask.
    core::RunRequest request;
    request.mask = opened->mask;
    request.globalTokens = opened->globalTokens;
    request.valueNorms = true;
    request.headStatistics = true;
    request.induction = true;
    auto run = opened->session->run(opened->tokens, request);
    if (!run) return fail(run.error());
    const core::RunResult& result = **run;
    if (!result.induction) return fail(result.inductionProblem);

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
    const core::Model& model = opened->session->model();
    const core::AnalysisJsonHeader header{model.name(), model.config().modelType, request.mask.toString(),
                                          result.displayTexts()};
    return writeOutput(args->value("-o"), [&](std::FILE* f) {
        return core::writeAnalysisJson(f, header, *result.trace, stats, &result.induction->sequence);
    });
}

}  // namespace attnviz::cli
