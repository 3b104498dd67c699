// attnviz-cli attention: the full attention trace as JSON.
#include "commands.h"
#include "model_input.h"
#include "output_file.h"

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
    auto opened = openSession(*args);
    if (!opened) return fail(opened.error());
    core::RunRequest request;
    request.mask = opened->mask;
    request.globalTokens = opened->globalTokens;
    request.scores = args->has("--scores");
    auto run = opened->session->run(opened->tokens, request);
    if (!run) return fail(run.error());
    const core::RunResult& result = **run;

    const core::Model& model = opened->session->model();
    const core::TraceJsonHeader header{model.name(), model.config().modelType, request.mask.toString(),
                                       result.displayTexts()};
    return writeOutput(args->value("-o"), [&](std::FILE* out) {
        return core::writeTraceJson(out, header, *result.trace, request.scores);
    });
}

}  // namespace attnviz::cli
