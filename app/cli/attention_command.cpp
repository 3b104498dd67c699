// attnviz-cli attention: the full attention trace as JSON.
#include "commands.h"
#include "model_input.h"

#include "attnviz/core/model.h"
#include "attnviz/core/trace_json.h"

#include <cstdio>
#include <filesystem>

namespace attnviz::cli {

int runAttention(const std::vector<std::string>& argv) {
    auto specs = inputOptions();
    specs.push_back({"--mask"});
    specs.push_back({"--scores", false});
    specs.push_back({"-o"});
    auto args = ArgParser::parse(argv, specs);
    if (!args) return fail(args.error());
    auto dir = args->required("--model");
    if (!dir) return fail(dir.error());
    auto mask = core::MaskMode::parse(args->value("--mask").value_or("default"));
    if (!mask) return fail(mask.error());

    auto model = core::loadModel(*dir);
    if (!model) return fail(model.error());
    auto tokenizer = core::loadTokenizer(*dir);
    auto input = readInput(*args, tokenizer ? tokenizer->get() : nullptr);
    if (!input) {
        // Without a tokenizer, text input fails; say why the tokenizer is missing.
        const bool textOnly = args->has("--text") && !args->has("--ids");
        return fail(!tokenizer && textOnly ? tokenizer.error() : input.error());
    }

    core::RunOptions options;
    options.mask = *mask;
    options.captureScores = args->has("--scores");
    if ((*model)->hasTokenTypes()) options.tokenTypeIds = input->typeIds();
    else if (args->has("--token-types")) return fail("this model has no token types; drop --token-types");
    auto trace = (*model)->run(input->ids(), options);
    if (!trace) return fail(trace.error());

    core::TraceJsonHeader header{(*model)->name(), (*model)->config().modelType, mask->toString(), input->displayTexts()};
    const auto outPath = args->value("-o");
    if (!outPath) {
        if (!core::writeTraceJson(stdout, header, *trace, options.captureScores) || std::fflush(stdout) != 0) {
            return fail("cannot write to standard output");
        }
        return 0;
    }
    // Write next to the target and rename, so a failed run never leaves half a file.
    const std::string tmp = *outPath + ".part";
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (f == nullptr) return fail("cannot create '" + *outPath + "'");
    const bool ok = core::writeTraceJson(f, header, *trace, options.captureScores);
    if (std::fclose(f) != 0 || !ok) {
        std::remove(tmp.c_str());
        return fail("writing '" + *outPath + "' failed (disk full?)");
    }
    std::error_code ec;
    std::filesystem::rename(tmp, *outPath, ec);
    if (ec) {
        std::remove(tmp.c_str());
        return fail("cannot move the output into place at '" + *outPath + "': " + ec.message());
    }
    return 0;
}

}  // namespace attnviz::cli
