// attnviz-cli bench --typing FILE: FILE's text typed one character (code
// point) at a time through the GUI's pipeline without its debounce: each
// keystroke tokenizes the text so far and runs it with what the views draw
// (RunRequest::forViews, predictions on) through one Session, so causal
// models reuse the previous keystroke's prefix as they do in the GUI.
#include "arg_parser.h"
#include "commands.h"
#include "model_input.h"

#include "attnviz/core/compute_threads.h"
#include "attnviz/core/session.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace attnviz::cli {
namespace {

// Byte offsets where each UTF-8 code point of `text` ends.
std::vector<std::size_t> codePointEnds(const std::string& text) {
    std::vector<std::size_t> ends;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
        if (i + 1 == text.size() || (next & 0xC0) != 0x80) ends.push_back(i + 1);
    }
    return ends;
}

// The value below which `fraction` of the sorted `ms` lie (nearest rank).
double percentile(const std::vector<double>& ms, double fraction) {
    const auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(ms.size())));
    return ms[std::clamp<std::size_t>(rank, 1, ms.size()) - 1];
}

}  // namespace

int runTypingBench(const std::vector<std::string>& argv) {
    auto args = ArgParser::parse(argv, {{"--model"}, {"--typing"}, {"--threads"}, {"--mask"}, {"--no-reuse", false}});
    if (!args) return fail(args.error());
    auto dir = modelPath(*args);
    if (!dir) return fail(dir.error());
    auto text = readTextFile(*args->value("--typing"), "--typing");
    if (!text) return fail(text.error());
    auto threads = args->intValue("--threads", 0, 0, 1024);
    if (!threads) return fail(threads.error());
    auto mask = core::MaskMode::parse(args->value("--mask").value_or("default"));
    if (!mask) return fail(mask.error());
    if (*threads > 0) core::setComputeThreads(*threads);

    auto session = core::Session::open(*dir);
    if (!session) return fail(session.error());
    // --no-reuse: every keystroke computes every row, for comparison.
    (*session)->setPrefixReuse(!args->has("--no-reuse"));
    const core::Session& s = **session;
    if (s.tokenizer() == nullptr) {
        return fail("--typing replays text, but the model in '" + *dir + "' has no tokenizer (" +
                    s.tokenizerProblem() + ")");
    }
    for (const std::string& w : s.warnings()) warn(w);
    const core::ModelConfig& c = s.model().config();
    const core::RunRequest request = core::RunRequest::forViews(*mask, true);

    using Clock = std::chrono::steady_clock;
    std::vector<double> ms;
    int reused = 0;
    int tokens = 0;
    for (std::size_t end : codePointEnds(*text)) {
        const auto start = Clock::now();
        core::SessionInput typed;
        typed.text = text->substr(0, end);
        auto input = s.tokenize(typed);
        if (!input) return fail("--typing, after " + std::to_string(end) + " bytes: " + input.error());
        if (input->empty()) continue;  // nothing to run yet (leading spaces)
        auto result = s.run(*input, request);
        if (!result) return fail("--typing, after " + std::to_string(end) + " bytes: " + result.error());
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        if ((*result)->prefixRowsReused > 0) ++reused;
        tokens = (*result)->tokenCount();
    }
    if (ms.empty()) return fail("--typing '" + *args->value("--typing") + "' has no text that makes a token");
    std::sort(ms.begin(), ms.end());
    std::printf("model      %s (%s, %d layers x %d heads, d_model %d)\n", s.name().c_str(), c.modelType.c_str(),
                c.nLayers, c.nHeads, c.dModel);
    std::printf("backend    %s\n", core::computeBackendInfo().c_str());
    std::printf("keystrokes %zu\ntokens     %d at the end\nreused     %d runs took a prefix from the previous one\n",
                ms.size(), tokens, reused);
    std::printf("p50        %.2f ms\np95        %.2f ms\nmax        %.2f ms\n", percentile(ms, 0.5),
                percentile(ms, 0.95), ms.back());
    return 0;
}

}  // namespace attnviz::cli
