// attnviz-cli analyze: head means, rollout, value-weighted norms and head
// statistics of one run as JSON, or the statistics table as CSV.
#include "commands.h"
#include "model_input.h"

#include "attnviz/core/analysis_json.h"
#include "attnviz/core/head_search.h"
#include "attnviz/core/head_stats.h"
#include "attnviz/core/induction.h"
#include "attnviz/core/model.h"

#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>

namespace attnviz::cli {

namespace {

// Writes to stdout, or to `path` through a temporary file renamed into place
// so a failed run never leaves half a file.
int writeOutput(const std::optional<std::string>& path, const std::function<bool(std::FILE*)>& write) {
    if (!path) {
        if (!write(stdout) || std::fflush(stdout) != 0) return fail("cannot write to standard output");
        return 0;
    }
    const std::string tmp = *path + ".part";
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (f == nullptr) return fail("cannot create '" + *path + "'");
    const bool ok = write(f);
    if (std::fclose(f) != 0 || !ok) {
        std::remove(tmp.c_str());
        return fail("writing '" + *path + "' failed (disk full?)");
    }
    std::error_code ec;
    std::filesystem::rename(tmp, *path, ec);
    if (ec) {
        std::remove(tmp.c_str());
        return fail("cannot move the output into place at '" + *path + "': " + ec.message());
    }
    return 0;
}

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
    auto dir = args->required("--model");
    if (!dir) return fail(dir.error());
    auto mask = core::MaskMode::parse(args->value("--mask").value_or("default"));
    if (!mask) return fail(mask.error());
    std::optional<core::HeadStatistic> sortBy;
    if (const auto name = args->value("--sort")) {
        sortBy = core::statisticFromName(*name);
        if (!sortBy) return fail("--sort: unknown statistic '" + *name + "'; expected one of " + statisticNames());
    }

    auto model = core::loadModel(*dir);
    if (!model) return fail(model.error());
    auto tokenizer = core::loadTokenizer(*dir);
    const core::Tokenizer* tok = tokenizer ? tokenizer->get() : nullptr;
    auto input = readInput(*args, tok);
    if (!input) {
        // Without a tokenizer, text input fails; say why the tokenizer is missing.
        const bool textOnly = args->has("--text") && !args->has("--ids");
        return fail(!tokenizer && textOnly ? tokenizer.error() : input.error());
    }

    core::RunOptions options;
    options.mask = *mask;
    options.captureValueNorms = true;
    if ((*model)->hasTokenTypes()) options.tokenTypeIds = input->typeIds();
    else if (args->has("--token-types")) return fail("this model has no token types; drop --token-types");
    auto trace = (*model)->run(input->ids(), options);
    if (!trace) return fail(trace.error());
    std::vector<core::HeadStats> stats = core::computeHeadStats(*trace);

    // Induction is a property of the heads, not of this text: one more run on
    // [BOS] + r + r under the same mask.
    core::InductionOptions inductionOptions;
    inductionOptions.shrinkToFit = true;
    auto sequence = core::makeInductionSequence((*model)->config(), tok, inductionOptions);
    if (!sequence) return fail("induction: " + sequence.error());
    auto induction = core::measureInduction(**model, *sequence, *mask);
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
    const core::AnalysisJsonHeader header{(*model)->name(), (*model)->config().modelType, mask->toString(),
                                          input->displayTexts()};
    return writeOutput(args->value("-o"), [&](std::FILE* f) {
        return core::writeAnalysisJson(f, header, *trace, stats, &*sequence);
    });
}

}  // namespace attnviz::cli
