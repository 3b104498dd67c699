// attnviz-cli predict: the top-k next tokens (causal models) or the top-k
// fillers of each [MASK] (masked language models), with probabilities.
#include "commands.h"
#include "model_input.h"

#include "attnviz/core/predictions.h"
#include "attnviz/core/trace_json.h"

#include <cstdio>

namespace attnviz::cli {

int runPredict(const std::vector<std::string>& argv) {
    auto specs = inputOptions();
    specs.push_back({"--top"});
    specs.push_back({"--mask"});
    specs.push_back({"--json", false});
    auto args = ArgParser::parse(argv, specs);
    if (!args) return fail(args.error());
    auto top = args->intValue("--top", 5, 1, 100);
    if (!top) return fail(top.error());
    auto opened = openSession(*args);
    if (!opened) return fail(opened.error());
    const core::Session& session = *opened->session;
    const std::vector<core::Token>& tokens = opened->tokens;
    const core::ModelConfig& config = session.model().config();
    if (core::predictionPositions(config, tokens).empty()) {
        return fail("this is a masked language model: put [MASK] (or <mask>) in the text where a token should be predicted");
    }
    core::RunRequest request;
    request.mask = opened->mask;
    request.globalTokens = opened->globalTokens;
    request.predictions = true;
    request.topK = *top;
    auto run = session.run(tokens, request);
    if (!run) return fail(run.error());
    if (!(*run)->predictionProblem.empty()) return fail((*run)->predictionProblem);
    const std::vector<core::PositionPredictions>& predictions = (*run)->predictions;

    const bool masked = (*run)->maskedLm;
    if (args->has("--json")) {
        std::string out = "{\"model\":";
        core::appendJsonString(out, session.name());
        out += std::string(",\"kind\":\"") + (masked ? "masked-lm" : "next-token") + "\",\"predictions\":[";
        for (std::size_t i = 0; i < predictions.size(); ++i) {
            const auto& p = predictions[i];
            out += (i ? ",{" : "{") + std::string("\"position\":") + std::to_string(p.position) + ",\"token\":";
            core::appendJsonString(out, tokens[static_cast<std::size_t>(p.position)].display);
            out += ",\"top\":[";
            for (std::size_t r = 0; r < p.top.size(); ++r) {
                char prob[32];
                std::snprintf(prob, sizeof prob, "%.9g", static_cast<double>(p.top[r].probability));
                out += (r ? ",{" : "{") + std::string("\"id\":") + std::to_string(p.top[r].id) + ",\"text\":";
                core::appendJsonString(out, p.top[r].text);
                out += std::string(",\"probability\":") + prob + "}";
            }
            out += "]}";
        }
        out += "]}\n";
        std::fputs(out.c_str(), stdout);
    } else {
        for (const auto& p : predictions) {
            const std::string& at = tokens[static_cast<std::size_t>(p.position)].display;
            if (masked) std::printf("position %d (%s):\n", p.position, at.c_str());
            else std::printf("next token after '%s' (position %d):\n", at.c_str(), p.position);
            for (std::size_t r = 0; r < p.top.size(); ++r) {
                std::printf("  %zu. %-20s %6.2f%%  (id %d)\n", r + 1, p.top[r].text.c_str(),
                            100.0 * p.top[r].probability, p.top[r].id);
            }
        }
    }
    return std::fflush(stdout) == 0 ? 0 : fail("cannot write to standard output");
}

}  // namespace attnviz::cli
