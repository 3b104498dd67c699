// attnviz-cli explain: one row of one head's attention, step by step, from
// the model's own q, k and v (core::LayerCapture, core::explainRow): the
// numbers the GUI's Explain view draws, as JSON.
#include "commands.h"
#include "model_input.h"
#include "output_file.h"
#include "seq2seq_input.h"

#include "attnviz/core/explain_json.h"
#include "attnviz/core/layer_capture.h"
#include "attnviz/core/seq2seq_session.h"
#include "attnviz/core/trace_json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace attnviz::cli {

namespace {

// A non-negative integer option, or an error naming it.
core::Result<int> intOption(const ArgParser& args, const char* name) {
    const auto text = args.value(name);
    if (!text) return core::makeError(core::ErrorCode::InvalidInput, std::string(name) + " is required");
    char* end = nullptr;
    const long v = std::strtol(text->c_str(), &end, 10);
    if (text->empty() || *end != '\0' || v < 0 || v > 1'000'000'000) {
        return core::makeError(core::ErrorCode::InvalidInput,
                               std::string(name) + ": '" + *text + "' is not a number (0-based)");
    }
    return static_cast<int>(v);
}

// The display text of each token.
std::vector<std::string> displays(const std::vector<core::Token>& tokens) {
    std::vector<std::string> out;
    for (const core::Token& t : tokens) out.push_back(t.display);
    return out;
}

}  // namespace

// Encoder-decoder folders: --attention encoder (the default), decoder (its
// causal self-attention) or cross (target rows over the source), of a
// teacher-forced run (--target) or of the run over the generated text.
int runSeq2SeqExplain(const ArgParser& args, const std::string& dir, int layer, int head, int query) {
    const std::string kind = args.value("--attention").value_or("encoder");
    if (kind != "encoder" && kind != "decoder" && kind != "cross") {
        return fail("--attention " + kind + ": choose encoder, decoder or cross");
    }
    auto generate = generateOptions(args);
    if (!generate) return fail(generate.error());
    auto opened = openSeq2Seq(args, dir);
    if (!opened) return fail(opened.error());
    const bool encoder = kind == "encoder";
    const core::Seq2SeqConfig& config = opened->session->model().config();
    const core::StackConfig& stack = encoder ? config.encoder : config.decoder;
    const std::string stackName = encoder ? "encoder" : "decoder";
    if (layer >= stack.nLayers) {
        return fail("--layer " + std::to_string(layer) + " is outside the " + stackName + "'s layers (0.." +
                    std::to_string(stack.nLayers - 1) + ")");
    }
    if (head >= stack.nHeads) {
        return fail("--head " + std::to_string(head) + " is outside the " + stackName + "'s heads (0.." +
                    std::to_string(stack.nHeads - 1) + ")");
    }
    // The queries: the source's tokens, or the decoder input's (known before
    // the run unless it is generated).
    const auto queryProblem = [&](std::size_t queries) {
        return query < static_cast<int>(queries)
                   ? std::string()
                   : "--query " + std::to_string(query) + " is outside the " + std::to_string(queries) + " " +
                         (encoder ? "source" : "decoder input") + " tokens (0.." + std::to_string(queries - 1) + ")";
    };
    const std::string early = encoder ? queryProblem(opened->source.size())
                                      : (opened->decoder ? queryProblem(opened->decoder->size()) : std::string());
    if (!early.empty()) return fail(early);
    core::Seq2SeqRunOptions options;
    options.encoderMask = opened->encoderMask;
    options.decoderMask = opened->decoderMask;
    (encoder ? options.captureEncoderLayers : kind == "decoder" ? options.captureDecoderLayers : options.captureCrossLayers) = {layer};
    generate->encoderMask = opened->encoderMask;
    auto result = opened->decoder ? opened->session->run(opened->source, *opened->decoder, options)
                                  : opened->session->generate(opened->source, *generate, options);
    if (!result) return fail(result.error());
    const core::Seq2SeqRunResult& run = **result;
    if (const std::string late = encoder ? std::string() : queryProblem(run.decoderTokens.size()); !late.empty()) {
        return fail(late + " (generated)");
    }
    const core::AttentionTrace& trace = encoder ? run.trace.encoder : run.trace.decoder;
    const core::LayerCapture* capture = kind == "cross" ? run.trace.crossCapture(layer) : trace.capture(layer);
    if (capture == nullptr) return fail(kind + " layer " + std::to_string(layer) + " was not captured");
    auto row = kind == "cross" ? core::explainCrossRow(*capture, run.trace.cross, head, query)
                               : core::explainRow(*capture, trace, head, query);
    if (!row) return fail(row.error());
    core::ExplainJsonHeader header{run.modelName, displays(encoder || kind == "cross" ? run.sourceTokens : run.decoderTokens),
                                   trace.mask().toString(), kind, {}};
    if (kind == "cross") {
        header.mask = "none (cross-attention)";
        header.queryTokens = displays(run.decoderTokens);
    }
    return writeOutput(args.value("-o"), [&](std::FILE* out) { return core::writeExplainJson(out, header, *row); });
}

int runExplain(const std::vector<std::string>& argv) {
    auto specs = inputOptions();
    for (const char* option : {"--mask", "--layer", "--head", "--query", "-o", "--attention"}) specs.push_back({option});
    for (const auto& spec : seq2seqOptions()) specs.push_back(spec);
    for (const char* option : {"--max-new-tokens", "--temperature", "--top-k", "--seed"}) specs.push_back({option});
    auto args = ArgParser::parse(argv, specs);
    if (!args) return fail(args.error());
    auto layer = intOption(*args, "--layer");
    if (!layer) return fail(layer.error());
    auto head = intOption(*args, "--head");
    if (!head) return fail(head.error());
    auto query = intOption(*args, "--query");
    if (!query) return fail(query.error());
    if (const auto text = args->value("--mask")) {
        if (auto mask = core::MaskMode::parse(*text); !mask) return fail(mask.error());
    }
    auto dir = modelPath(*args);
    if (!dir) return fail(dir.error());
    if (core::isSeq2SeqFolder(*dir)) return runSeq2SeqExplain(*args, *dir, *layer, *head, *query);
    if (const std::string option = seq2seqOnlyOption(*args); !option.empty()) {
        return fail(option + " is for encoder-decoder models (t5, bart, marian); this one is decoder-only or an encoder");
    }
    if (args->has("--attention")) return fail("--attention is for encoder-decoder models (t5, bart, marian)");
    auto opened = openSession(*args);
    if (!opened) return fail(opened.error());
    const core::ModelConfig& c = opened->session->model().config();
    if (*layer >= c.nLayers) {
        return fail("--layer " + std::to_string(*layer) + " is outside the model's layers (0.." + std::to_string(c.nLayers - 1) + ")");
    }
    if (*head >= c.nHeads) {
        return fail("--head " + std::to_string(*head) + " is outside the model's heads (0.." + std::to_string(c.nHeads - 1) + ")");
    }
    const int T = static_cast<int>(opened->tokens.size());
    if (*query >= T) {
        return fail("--query " + std::to_string(*query) + " is outside the " + std::to_string(T) + " tokens (0.." +
                    std::to_string(T - 1) + ")");
    }
    core::RunRequest request;
    request.mask = opened->mask;
    request.globalTokens = opened->globalTokens;
    request.captureLayers = {*layer};
    auto run = opened->session->run(opened->tokens, request);
    if (!run) return fail(run.error());
    const core::LayerCapture* capture = (*run)->trace->capture(*layer);
    if (capture == nullptr) return fail("layer " + std::to_string(*layer) + " was not captured");
    auto row = core::explainRow(*capture, *(*run)->trace, *head, *query);
    if (!row) return fail(row.error());
    return writeOutput(args->value("-o"), [&](std::FILE* out) { return core::writeExplainJson(out, {(*run)->modelName, displays((*run)->tokens), (*run)->trace->mask().toString(), {}, {}}, *row); });
}

}  // namespace attnviz::cli
