// attnviz-cli generate: new tokens after a prompt (decoder-only models) or
// from a source (encoder-decoder models), with the attention row of the
// query that produced each one:
// {"model", "model_type", "prompt_tokens" | "encoder_tokens": [{"id", "text"}],
//  "generated": [{"id", "text"}], "text", "stopped_at_eos",
//  "steps": [{"id", "top": [{"id", "text", "probability"}],
//             "self_attention": [L][H][n], "cross_attention": [L][H][S]}]}
// Step s's query: decoder position s (n = s + 1) for an encoder-decoder
// model, prompt position P - 1 + s (n = P + s) for a decoder-only one;
// cross_attention only for encoder-decoder models.
#include "commands.h"
#include "model_input.h"
#include "output_file.h"
#include "seq2seq_input.h"

#include "attnviz/core/generation.h"
#include "attnviz/core/seq2seq_json.h"
#include "attnviz/core/trace_json.h"

#include <cstdio>

namespace attnviz::cli {

namespace {

// What both kinds of model give the writer.
struct GeneratedText {
    std::string model;
    std::string modelType;
    const char* inputKey = "prompt_tokens";
    std::vector<core::Token> input;
    std::vector<std::int32_t> newIds;
    bool stoppedAtEos = false;
    std::vector<const std::vector<core::Candidate>*> top;  // per step
    std::vector<const core::AttentionBlock*> self;           // per step, (L, H, 1, n)
    std::vector<const core::AttentionBlock*> cross;          // per step, (L, H, 1, S); empty for decoder-only
};

void writeRow(std::FILE* out, const core::AttentionBlock& block) {
    core::writeAttentionArray(out, block.nLayers(), block.nHeads(), 1, block.cols(),
                              [&](int l, int h) { return block.probs(l, h); });
}

bool writeGenerated(std::FILE* out, const GeneratedText& g, const core::Tokenizer* tokenizer,
                    const std::function<std::string(std::int32_t)>& tokenText) {
    std::string head = "{\"model\":";
    core::appendJsonString(head, g.model);
    head += ",\"model_type\":";
    core::appendJsonString(head, g.modelType);
    head += ",\"";
    head += g.inputKey;
    head += "\":[";
    for (std::size_t i = 0; i < g.input.size(); ++i) {
        if (i) head += ',';
        core::appendTokenJson(head, g.input[i].id, g.input[i].display);
    }
    head += "],\"generated\":[";
    for (std::size_t i = 0; i < g.newIds.size(); ++i) {
        if (i) head += ',';
        core::appendTokenJson(head, g.newIds[i], tokenText(g.newIds[i]));
    }
    head += "],\"text\":";
    std::string text;
    if (tokenizer != nullptr) {
        if (auto decoded = tokenizer->decode(g.newIds)) text = std::move(decoded.value());
    }
    core::appendJsonString(head, text);
    head += ",\"stopped_at_eos\":";
    head += g.stoppedAtEos ? "true" : "false";
    head += ",\"steps\":[";
    std::fputs(head.c_str(), out);
    for (std::size_t s = 0; s < g.self.size(); ++s) {
        std::string step = s ? ",{" : "{";
        step += "\"id\":" + std::to_string(g.newIds[s]) + ",\"top\":[";
        for (std::size_t k = 0; k < g.top[s]->size(); ++k) {
            const core::Candidate& c = (*g.top[s])[k];
            step += k ? ",{" : "{";
            step += "\"id\":" + std::to_string(c.id) + ",\"text\":";
            core::appendJsonString(step, tokenText(c.id));
            char probability[32];
            std::snprintf(probability, sizeof probability, "%.9g", static_cast<double>(c.probability));
            step += ",\"probability\":";
            step += probability;
            step += '}';
        }
        step += "],\"self_attention\":";
        std::fputs(step.c_str(), out);
        writeRow(out, *g.self[s]);
        if (!g.cross.empty()) {
            std::fputs(",\"cross_attention\":", out);
            writeRow(out, *g.cross[s]);
        }
        std::fputc('}', out);
    }
    std::fputs("]}\n", out);
    return std::ferror(out) == 0;
}

int generateSeq2Seq(const ArgParser& args, const std::string& dir, core::GenerateOptions options) {
    if (args.has("--target") || args.has("--decoder-ids")) {
        return fail("generate makes the decoder input itself: drop --target / --decoder-ids (attention takes them)");
    }
    auto opened = openSeq2Seq(args, dir);
    if (!opened) return fail(opened.error());
    options.encoderMask = opened->encoderMask;
    const core::Seq2SeqSession& s = *opened->session;
    std::vector<std::int32_t> source;
    for (const core::Token& t : opened->source) source.push_back(t.id);
    auto generated = s.model().generate(source, options);
    if (!generated) return fail(generated.error());
    GeneratedText g;
    g.model = s.name();
    g.modelType = s.model().config().modelType;
    g.inputKey = "encoder_tokens";
    g.input = opened->source;
    g.newIds = generated->newIds();
    g.stoppedAtEos = generated->stoppedAtEos;
    for (const core::GenerationStep& step : generated->steps) {
        g.top.push_back(&step.top);
        g.self.push_back(&step.self);
        g.cross.push_back(&step.cross);
    }
    return writeOutput(args.value("-o"), [&](std::FILE* out) {
        return writeGenerated(out, g, s.targetTokenizer(), [&](std::int32_t id) { return s.targetText(id); });
    });
}

int generateCausal(const ArgParser& args, const core::GenerateOptions& options) {
    if (const std::string option = seq2seqOnlyOption(args); !option.empty()) {
        return fail(option + " is for encoder-decoder models (t5, bart, marian)");
    }
    auto opened = openSession(args);
    if (!opened) return fail(opened.error());
    const core::Session& s = *opened->session;
    if (args.has("--mask")) return fail("--mask: generation runs the model with its own causal mask; drop --mask");
    std::vector<std::int32_t> prompt;
    for (const core::Token& t : opened->tokens) prompt.push_back(t.id);
    auto generated = core::generateCausal(s.model(), prompt, options);
    if (!generated) return fail(generated.error());
    GeneratedText g;
    g.model = s.name();
    g.modelType = s.model().config().modelType;
    g.input = opened->tokens;
    g.newIds = generated->newIds();
    g.stoppedAtEos = generated->stoppedAtEos;
    for (const core::CausalGenerationStep& step : generated->steps) {
        g.top.push_back(&step.top);
        g.self.push_back(&step.self);
    }
    return writeOutput(args.value("-o"), [&](std::FILE* out) {
        return writeGenerated(out, g, s.tokenizer(), [&](std::int32_t id) { return s.tokenText(id); });
    });
}

}  // namespace

int runGenerate(const std::vector<std::string>& argv) {
    auto specs = inputOptions();
    for (const auto& spec : seq2seqOptions()) specs.push_back(spec);
    for (const char* option : {"--mask", "--max-new-tokens", "--temperature", "--top-k", "--seed", "-o"}) {
        specs.push_back({option});
    }
    auto args = ArgParser::parse(argv, specs);
    if (!args) return fail(args.error());
    if (args->has("--trace")) return fail("--trace: a trace file cannot generate (it holds no model)");
    auto options = generateOptions(*args);
    if (!options) return fail(options.error());
    auto dir = modelPath(*args);
    if (!dir) return fail(dir.error());
    if (core::isSeq2SeqFolder(*dir)) return generateSeq2Seq(*args, *dir, *options);
    return generateCausal(*args, *options);
}

}  // namespace attnviz::cli
