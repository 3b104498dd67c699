// attnviz-cli attention: the full attention trace as JSON, or as a trace
// file (--format trace, docs/trace-format.md); --trace reads one back.
#include "commands.h"
#include "model_input.h"
#include "output_file.h"

#include "attnviz/core/trace_file.h"
#include "attnviz/core/trace_json.h"

#include <cstdio>

namespace attnviz::cli {

int runAttention(const std::vector<std::string>& argv) {
    auto specs = inputOptions();
    specs.push_back({"--mask"});
    specs.push_back({"--scores", false});
    specs.push_back({"--format"});
    specs.push_back({"--trace-dtype"});
    specs.push_back({"-o"});
    auto args = ArgParser::parse(argv, specs);
    if (!args) return fail(args.error());
    const std::string format = args->value("--format").value_or("json");
    if (format != "json" && format != "trace") return fail("--format must be json or trace, got '" + format + "'");
    const bool traceOut = format == "trace";
    core::DType dtype = core::DType::F32;
    if (const auto d = args->value("--trace-dtype")) {
        if (!traceOut) return fail("--trace-dtype goes with --format trace");
        if (*d == "f16") {
            dtype = core::DType::F16;
        } else if (*d != "f32") {
            return fail("--trace-dtype must be f16 or f32, got '" + *d + "'");
        }
    }
    if (traceOut && !args->has("-o")) return fail("--format trace writes a binary file: give -o FILE");
    if (traceOut && args->has("--scores")) return fail("--scores: trace files hold the probabilities only; drop --scores");

    std::shared_ptr<const core::RunResult> result;
    core::TraceFileHeader traceHeader;
    if (args->has("--trace")) {
        if (args->has("--scores")) return fail("--scores: the trace file holds no scores (" + std::string(core::kTraceCannotRerun) + ")");
        auto opened = openTrace(*args);
        if (!opened) return fail(opened.error());
        result = opened->result;
        traceHeader = opened->file.header;
    } else {
        auto opened = openSession(*args);
        if (!opened) return fail(opened.error());
        core::RunRequest request;
        request.mask = opened->mask;
        request.globalTokens = opened->globalTokens;
        request.scores = args->has("--scores");
        auto run = opened->session->run(opened->tokens, request);
        if (!run) return fail(run.error());
        result = std::move(run.value());
        traceHeader = core::traceFileHeader(*result, "attnviz-cli " ATTNVIZ_VERSION);
    }

    if (traceOut) {
        return writeOutput(args->value("-o"), [&](std::FILE* out, std::string& error) {
            const core::Status written = core::writeTraceFile(out, "'" + *args->value("-o") + "'", traceHeader, *result->trace, dtype);
            if (!written) error = written.error();
            return written.ok();
        });
    }
    const core::TraceJsonHeader header{result->modelName, result->modelType, result->requestedMask.toString(),
                                       result->displayTexts()};
    return writeOutput(args->value("-o"), [&](std::FILE* out) {
        return core::writeTraceJson(out, header, *result->trace, args->has("--scores"));
    });
}

}  // namespace attnviz::cli
