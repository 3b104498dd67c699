// attnviz-cli attention: the full attention trace as JSON.
#include "commands.h"
#include "model_input.h"
#include "output_file.h"

#include "attnviz/core/model.h"
#include "attnviz/core/trace_json.h"

#include <cstdio>

namespace attnviz::cli {

int runAttention(const std::vector<std::string>& argv) {
    auto specs = inputOptions();
    specs.push_back({"--mask"});
    specs.push_back({"--scores", false});
    specs.push_back({"-o"});
    auto args = ArgParser::parse(argv, specs);
    if (!args) return fail(args.error());
    auto run = openModelRun(*args);
    if (!run) return fail(run.error());
    core::RunOptions& options = run->options;
    options.captureScores = args->has("--scores");
    const core::Model& model = *run->model;
    auto trace = model.run(run->input.ids(), options);
    if (!trace) return fail(trace.error());

    const core::TraceJsonHeader header{model.name(), model.config().modelType, options.mask.toString(),
                                       run->input.displayTexts()};
    return writeOutput(args->value("-o"), [&](std::FILE* out) {
        return core::writeTraceJson(out, header, *trace, options.captureScores);
    });
}

}  // namespace attnviz::cli
