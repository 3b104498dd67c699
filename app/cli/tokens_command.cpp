// attnviz-cli tokens: how a text splits into the model's tokens.
#include "commands.h"
#include "model_input.h"

#include "attnviz/core/trace_json.h"

#include <cstdio>

namespace attnviz::cli {

int runTokens(const std::vector<std::string>& argv) {
    auto specs = inputOptions();
    specs.push_back({"--json", false});
    auto args = ArgParser::parse(argv, specs);
    if (!args) return fail(args.error());
    auto dir = modelPath(*args);
    if (!dir) return fail(dir.error());
    auto tokenizer = core::loadTokenizer(*dir);
    if (!tokenizer && !args->has("--ids")) return fail(tokenizer.error());
    auto tokens = readTokens(*args, tokenizer ? tokenizer->get() : nullptr);
    if (!tokens) return fail(tokens.error());
    const bool fromText = hasTextInput(*args);

    if (args->has("--json")) {
        std::string out = "{\"tokens\":[";
        for (std::size_t i = 0; i < tokens->size(); ++i) {
            const core::Token& t = tokens.value()[i];
            out += i ? ",{" : "{";
            out += "\"id\":" + std::to_string(t.id) + ",\"text\":";
            core::appendJsonString(out, t.display);
            out += ",\"piece\":";
            core::appendJsonString(out, t.piece);
            if (fromText) {
                out += ",\"start\":" + std::to_string(t.start) + ",\"end\":" + std::to_string(t.end);
            } else {
                out += ",\"start\":null,\"end\":null";
            }
            out += std::string(",\"special\":") + (t.special ? "true" : "false");
            out += ",\"type\":" + std::to_string(t.typeId) + "}";
        }
        out += "]}\n";
        std::fputs(out.c_str(), stdout);
    } else {
        std::printf("%5s %8s  %-4s %s\n", "index", "id", "type", "token");
        for (std::size_t i = 0; i < tokens->size(); ++i) {
            const core::Token& t = tokens.value()[i];
            std::printf("%5zu %8d  %-4d %s%s\n", i, t.id, t.typeId, t.display.c_str(), t.special ? "  (special)" : "");
        }
    }
    return std::fflush(stdout) == 0 ? 0 : fail("cannot write to standard output");
}

}  // namespace attnviz::cli
