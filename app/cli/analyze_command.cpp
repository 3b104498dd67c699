// attnviz-cli analyze: head means, rollout, value-weighted norms and head
// statistics of one run as JSON, or the statistics table as CSV.
#include "commands.h"
#include "model_input.h"
#include "output_file.h"

#include "attnviz/core/analysis_json.h"
#include "attnviz/core/head_search.h"
#include "attnviz/core/head_stats.h"
#include "attnviz/core/induction.h"
#include "attnviz/core/model.h"

#include <cstdio>

namespace attnviz::cli {

namespace {

std::string statisticNames() {
    std::string names;
    for (core::HeadStatistic s : core::kAllHeadStatistics) names += (names.empty() ? "" : ", ") + std::string(core::statisticName(s));
    return names;
}

}  // namespace

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
        if (!sortBy) return fail("--sort: unknown statistic '" + *name + "'; expected one of " + statisticNames());
    }

    auto run = openModelRun(*args);
    if (!run) return fail(run.error());
    const core::Model& model = *run->model;
    const core::MaskMode mask = run->options.mask;
    run->options.captureValueNorms = true;
    auto trace = model.run(run->input.ids(), run->options);
    if (!trace) return fail(trace.error());
    std::vector<core::HeadStats> stats = core::computeHeadStats(*trace);

    // Induction is a property of the heads, not of this text: one more run on
    // [BOS] + r + r under the same mask.
    core::InductionOptions inductionOptions;
    inductionOptions.shrinkToFit = true;
    auto sequence = core::makeInductionSequence(model.config(), run->tokenizer.get(), inductionOptions);
    if (!sequence) return fail("induction: " + sequence.error());
    auto induction = core::measureInduction(model, *sequence, mask);
    if (!induction) return fail(induction.error());
    core::applyInduction(stats, *induction);

    if (sortBy) {
        std::vector<core::HeadStats> sorted;
        const int nHeads = trace->nHeads();
        for (const core::HeadScore& s : core::rankHeadsByStatistic(stats, *sortBy)) {
            sorted.push_back(stats[static_cast<std::size_t>(s.layer) * nHeads + s.head]);
        }
        stats = std::move(sorted);
    }

    if (args->has("--csv")) {
        return writeOutput(args->value("-o"), [&](std::FILE* f) { return core::writeHeadStatsCsv(f, stats); });
    }
    const core::AnalysisJsonHeader header{model.name(), model.config().modelType, mask.toString(),
                                          run->input.displayTexts()};
    return writeOutput(args->value("-o"), [&](std::FILE* f) {
        return core::writeAnalysisJson(f, header, *trace, stats, &*sequence);
    });
}

}  // namespace attnviz::cli
