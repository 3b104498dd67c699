// attnviz-cli predict: the top-k next tokens (causal models) or the top-k
// fillers of each [MASK] (masked language models), with probabilities.
#include "commands.h"
#include "model_input.h"

#include "attnviz/core/model.h"
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
    auto run = openModelRun(*args);
    if (!run) return fail(run.error());
    const core::Model& model = *run->model;
    const core::Tokenizer* tokenizer = run->tokenizer.get();
    ModelInput& input = run->input;
    // Tokens typed as ids: mark mask tokens so the positions can be found.
    if (!input.fromText && tokenizer != nullptr) {
        for (auto& t : input.tokens) t.special = t.special || core::isMaskPiece(t.piece);
    }

    const core::ModelConfig& config = model.config();
    const std::vector<int> positions = core::predictionPositions(config, input.tokens);
    if (positions.empty()) {
        return fail("this is a masked language model: put [MASK] (or <mask>) in the text where a token should be predicted");
    }
    run->options.computeLogits = true;
    auto trace = model.run(input.ids(), run->options);
    if (!trace) return fail(trace.error());
    auto predictions = core::topPredictions(*trace, positions, *top);
    if (!predictions) return fail(predictions.error());

    auto text = [&](std::int32_t id) {
        const std::string d = tokenizer != nullptr ? tokenizer->display(id) : std::string();
        return d.empty() ? "#" + std::to_string(id) : d;
    };
    const bool masked = config.isEncoder();
    if (args->has("--json")) {
        std::string out = "{\"model\":";
        core::appendJsonString(out, model.name());
        out += std::string(",\"kind\":\"") + (masked ? "masked-lm" : "next-token") + "\",\"predictions\":[";
        for (std::size_t i = 0; i < predictions->size(); ++i) {
            const auto& p = (*predictions)[i];
            out += (i ? ",{" : "{") + std::string("\"position\":") + std::to_string(p.position) + ",\"token\":";
            core::appendJsonString(out, input.tokens[static_cast<std::size_t>(p.position)].display);
            out += ",\"top\":[";
            for (std::size_t r = 0; r < p.top.size(); ++r) {
                char prob[32];
                std::snprintf(prob, sizeof prob, "%.9g", static_cast<double>(p.top[r].probability));
                out += (r ? ",{" : "{") + std::string("\"id\":") + std::to_string(p.top[r].id) + ",\"text\":";
                core::appendJsonString(out, text(p.top[r].id));
                out += std::string(",\"probability\":") + prob + "}";
            }
            out += "]}";
        }
        out += "]}\n";
        std::fputs(out.c_str(), stdout);
    } else {
        for (const auto& p : *predictions) {
            const std::string& at = input.tokens[static_cast<std::size_t>(p.position)].display;
            if (masked) std::printf("position %d (%s):\n", p.position, at.c_str());
            else std::printf("next token after '%s' (position %d):\n", at.c_str(), p.position);
            for (std::size_t r = 0; r < p.top.size(); ++r) {
                std::printf("  %zu. %-20s %6.2f%%  (id %d)\n", r + 1, text(p.top[r].id).c_str(),
                            100.0 * p.top[r].probability, p.top[r].id);
            }
        }
    }
    return std::fflush(stdout) == 0 ? 0 : fail("cannot write to standard output");
}

}  // namespace attnviz::cli
