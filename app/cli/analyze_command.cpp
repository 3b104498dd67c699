// attnviz-cli analyze: head means, rollout, value-weighted norms and head
// statistics of one run as JSON, or the statistics table as CSV. For an
// encoder-decoder model, of one stack's self-attention (--attention).
#include "commands.h"
#include "model_input.h"
#include "output_file.h"
#include "seq2seq_input.h"

#include "attnviz/core/analysis_json.h"
#include "attnviz/core/attention_flow.h"
#include "attnviz/core/head_search.h"
#include "attnviz/core/head_stats.h"

#include <cstdio>

namespace attnviz::cli {

namespace {

// What the output is made of: one square trace with its statistics.
struct Analysed {
    std::shared_ptr<const void> owner;  // keeps trace alive
    const core::AttentionTrace* trace = nullptr;
    std::vector<core::HeadStats> stats;
    const core::InductionSequence* induction = nullptr;
    core::AnalysisJsonHeader header;
};

// An encoder-decoder folder: the encoder's or the decoder's self-attention
// (--attention, default encoder) of a teacher-forced run (--target) or of
// the run over generated text.
core::Result<Analysed> analyseSeq2Seq(const ArgParser& args, const std::string& dir) {
    const std::string kind = args.value("--attention").value_or("encoder");
    if (kind == "cross") {
        return core::makeError(core::ErrorCode::InvalidInput,
                               "--attention cross: the analyses chain a stack's square self-attention (rollout) "
                               "and weigh it by its values; cross-attention has neither. Use encoder or decoder");
    }
    if (kind != "encoder" && kind != "decoder") {
        return core::makeError(core::ErrorCode::InvalidInput, "--attention must be encoder or decoder, got '" + kind + "'");
    }
    auto generate = generateOptions(args);
    if (!generate) return generate.takeError();
    auto opened = openSeq2Seq(args, dir);
    if (!opened) return opened.takeError();
    core::Seq2SeqRunOptions options;
    options.encoderMask = opened->encoderMask;
    options.decoderMask = opened->decoderMask;
    options.captureValueNorms = true;
    generate->encoderMask = opened->encoderMask;
    auto run = opened->decoder ? opened->session->run(opened->source, *opened->decoder, options)
                               : opened->session->generate(opened->source, *generate, options);
    if (!run) return run.takeError();
    const bool encoder = kind == "encoder";
    const core::Seq2SeqRunResult& r = **run;
    Analysed out;
    out.owner = *run;
    out.trace = encoder ? &r.trace.encoder : &r.trace.decoder;
    out.stats = core::computeHeadStats(*out.trace);
    out.header.model = r.modelName;
    out.header.modelType = r.modelType;
    out.header.requestedMask = (encoder ? opened->encoderMask : opened->decoderMask).toString();
    for (const core::Token& t : encoder ? r.sourceTokens : r.decoderTokens) out.header.tokenTexts.push_back(t.display);
    out.header.attentionKind = kind;
    return out;
}

}  // namespace

int runAnalyze(const std::vector<std::string>& argv) {
    auto specs = inputOptions();
    specs.push_back({"--mask"});
    specs.push_back({"--sort"});
    specs.push_back({"--csv", false});
    specs.push_back({"-o"});
    specs.push_back({"--attention"});
    specs.push_back({"--flow", false});
    for (const auto& spec : seq2seqOptions()) specs.push_back(spec);
    for (const char* option : {"--max-new-tokens", "--temperature", "--top-k", "--seed"}) specs.push_back({option});
    auto args = ArgParser::parse(argv, specs);
    if (!args) return fail(args.error());
    std::optional<core::HeadStatistic> sortBy;
    if (const auto name = args->value("--sort")) {
        sortBy = core::statisticFromName(*name);
        if (!sortBy) {
            return fail("--sort: unknown statistic '" + *name + "'; expected one of " + core::statisticNamesList());
        }
    }

    Analysed analysed;
    std::shared_ptr<const core::RunResult> run;  // decoder-only models and trace files
    std::string seq2seqDir;
    if (args->has("--model") && !args->has("--trace")) {
        auto dir = modelPath(*args);
        if (!dir) return fail(dir.error());
        if (core::isSeq2SeqFolder(*dir)) seq2seqDir = *dir;
    }
    if (seq2seqDir.empty()) {
        for (const char* option : {"--attention", "--target", "--decoder-ids", "--decoder-mask", "--max-new-tokens",
                                   "--temperature", "--top-k", "--seed"}) {
            if (args->has(option)) {
                return fail(std::string(option) + " is for encoder-decoder models (t5, bart, marian); this one is "
                                                  "decoder-only or an encoder");
            }
        }
    }
    if (!seq2seqDir.empty()) {
        auto a = analyseSeq2Seq(*args, seq2seqDir);
        if (!a) return fail(a.error());
        analysed = std::move(a.value());
    } else if (args->has("--trace")) {
        // A trace file cannot be re-run: its induction and value norms are null.
        auto opened = openTrace(*args);
        if (!opened) return fail(opened.error());
        run = opened->result;
    } else {
        // Induction is a property of the heads, not of this text: the session
        // measures it with one more run on [BOS] + r + r under the same mask.
        auto opened = openSession(*args);
        if (!opened) return fail(opened.error());
        core::RunRequest request;
        request.mask = opened->mask;
        request.globalTokens = opened->globalTokens;
        request.valueNorms = true;
        request.headStatistics = true;
        request.induction = true;
        auto ran = opened->session->run(opened->tokens, request);
        if (!ran) return fail(ran.error());
        run = std::move(ran.value());
        if (!run->induction) return fail(run->inductionProblem);
    }
    if (run) {
        analysed.owner = run;
        analysed.trace = run->trace.get();
        analysed.stats = run->headStats;
        analysed.induction = run->induction ? &run->induction->sequence : nullptr;
        analysed.header = {run->modelName, run->modelType, run->requestedMask.toString(), run->displayTexts(), {}};
    }
    const core::AttentionTrace& trace = *analysed.trace;

    std::vector<core::HeadStats> stats = analysed.stats;
    if (sortBy) {
        std::vector<core::HeadStats> sorted;
        const int nHeads = trace.nHeads();
        for (const core::HeadScore& s : core::rankHeadsByStatistic(stats, *sortBy)) {
            sorted.push_back(stats[static_cast<std::size_t>(s.layer) * nHeads + s.head]);
        }
        stats = std::move(sorted);
    }

    if (args->has("--csv")) {
        if (args->has("--flow")) return fail("--flow goes with the JSON output; drop --csv");
        return writeOutput(args->value("-o"), [&](std::FILE* f) { return core::writeHeadStatsCsv(f, stats); });
    }
    std::optional<core::RowMatrix> flow;
    if (args->has("--flow")) {
        auto computed = core::attentionFlow(trace);
        if (!computed) return fail(computed.error());
        flow = std::move(computed.value());
    }
    return writeOutput(args->value("-o"), [&](std::FILE* f) {
        return core::writeAnalysisJson(f, analysed.header, trace, stats, analysed.induction, flow ? &*flow : nullptr);
    });
}

}  // namespace attnviz::cli
