// attnviz-cli attention: the full attention trace as JSON, or as a trace
// file (--format trace, docs/trace-format.md); --trace reads one back.
#include "commands.h"
#include "model_input.h"
#include "output_file.h"
#include "seq2seq_input.h"

#include "attnviz/core/seq2seq_json.h"

#include "attnviz/core/trace_file.h"
#include "attnviz/core/trace_json.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>
#include <vector>

namespace attnviz::cli {

namespace {

// An encoder-decoder folder: the three kinds of attention as JSON; without
// a target the model generates first (greedy, --max-new-tokens).
int runSeq2SeqAttention(const ArgParser& args, const std::string& dir) {
    for (const char* option : {"--format", "--trace-dtype", "--scores", "--heads"}) {
        if (args.has(option)) return fail(std::string(option) + " is not available for encoder-decoder models yet");
    }
    auto generate = generateOptions(args);
    if (!generate) return fail(generate.error());
    auto opened = openSeq2Seq(args, dir);
    if (!opened) return fail(opened.error());
    core::Seq2SeqRunOptions options;
    options.encoderMask = opened->encoderMask;
    options.decoderMask = opened->decoderMask;
    generate->encoderMask = opened->encoderMask;
    auto result = opened->decoder ? opened->session->run(opened->source, *opened->decoder, options)
                                  : opened->session->generate(opened->source, *generate, options);
    if (!result) return fail(result.error());
    return writeOutput(args.value("-o"), [&](std::FILE* out) {
        return core::writeSeq2SeqJson(out, **result, *opened->session);
    });
}

// --heads "L:H,L:H": the heads to write, checked against the model's shape.
core::Result<std::vector<std::pair<int, int>>> parseHeads(const std::string& text, int nLayers, int nHeads) {
    std::vector<std::pair<int, int>> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = std::min(text.find(',', start), text.size());
        const std::string item = text.substr(start, end - start);
        const std::size_t colon = item.find(':');
        char* rest = nullptr;
        const long layer = colon == std::string::npos ? -1 : std::strtol(item.c_str(), &rest, 10);
        const bool layerOk = colon != std::string::npos && rest == item.c_str() + colon && colon > 0;
        const long head = layerOk ? std::strtol(item.c_str() + colon + 1, &rest, 10) : -1;
        if (!layerOk || *rest != '\0' || colon + 1 == item.size()) {
            return core::makeError(core::ErrorCode::InvalidInput,
                                   "--heads: '" + item + "' is not a head: write layer:head, 0-based, e.g. 0:1,2:3");
        }
        if (layer < 0 || layer >= nLayers || head < 0 || head >= nHeads) {
            return core::makeError(core::ErrorCode::InvalidInput,
                                   "--heads: '" + item + "' is outside the model's " + std::to_string(nLayers) +
                                       " layers x " + std::to_string(nHeads) + " heads (0-based)");
        }
        out.emplace_back(static_cast<int>(layer), static_cast<int>(head));
        start = end + 1;
    }
    return out;
}

}  // namespace

int runAttention(const std::vector<std::string>& argv) {
    auto specs = inputOptions();
    specs.push_back({"--mask"});
    specs.push_back({"--scores", false});
    specs.push_back({"--format"});
    specs.push_back({"--trace-dtype"});
    specs.push_back({"--heads"});
    specs.push_back({"-o"});
    for (const auto& spec : seq2seqOptions()) specs.push_back(spec);
    for (const char* option : {"--max-new-tokens", "--temperature", "--top-k", "--seed"}) specs.push_back({option});
    auto args = ArgParser::parse(argv, specs);
    if (!args) return fail(args.error());
    if (args->has("--model") && !args->has("--trace")) {
        // Option errors first: resolving a name may walk the model stores.
        for (const char* option : {"--mask", "--decoder-mask"}) {
            if (const auto text = args->value(option)) {
                if (auto mask = core::MaskMode::parse(*text); !mask) return fail(mask.error());
            }
        }
        auto dir = modelPath(*args);
        if (!dir) return fail(dir.error());
        if (core::isSeq2SeqFolder(*dir)) return runSeq2SeqAttention(*args, *dir);
        if (const std::string option = seq2seqOnlyOption(*args); !option.empty()) {
            return fail(option + " is for encoder-decoder models (t5, bart, marian); this one is decoder-only or an encoder");
        }
        for (const char* option : {"--max-new-tokens", "--temperature", "--top-k", "--seed"}) {
            if (args->has(option)) return fail(std::string(option) + ": use attnviz-cli generate to generate with this model");
        }
    }
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
    if (traceOut && args->has("--heads")) return fail("--heads goes with the JSON output; trace files hold every head");

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
        // --heads asks for a few heads: keep each layer's queries and keys
        // and compute only those (so it works at thousands of tokens); the
        // whole trace goes lazy only when it would pass the memory budget.
        // Scores exist only in an eager trace (over the budget: refused).
        using Keeping = core::RunRequest::Keeping;
        request.keeping = request.scores ? Keeping::Eager : args->has("--heads") ? Keeping::Lazy : Keeping::WhenLarge;
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
    std::optional<std::vector<std::pair<int, int>>> heads;
    if (const auto text = args->value("--heads")) {
        auto parsed = parseHeads(*text, result->trace->nLayers(), result->trace->nHeads());
        if (!parsed) return fail(parsed.error());
        heads = std::move(parsed.value());
    }
    const core::TraceJsonHeader header{result->modelName, result->modelType, result->requestedMask.toString(),
                                       result->displayTexts()};
    return writeOutput(args->value("-o"), [&](std::FILE* out) {
        return core::writeTraceJson(out, header, *result->trace, args->has("--scores"), heads ? &*heads : nullptr);
    });
}

}  // namespace attnviz::cli
