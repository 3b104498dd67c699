// attnviz-cli bench: milliseconds per run with full attention capture, through
// the same Session as every other command; with --generate N, milliseconds
// per new token of generation (causal and encoder-decoder models).
#include "arg_parser.h"
#include "commands.h"
#include "model_input.h"
#include "memory_bandwidth.h"
#include "process_memory.h"

#include "attnviz/core/attention_trace.h"
#include "attnviz/core/compute_threads.h"
#include "attnviz/core/flop_count.h"
#include "attnviz/core/generation.h"
#include "attnviz/core/lazy_attention.h"
#include "attnviz/core/seq2seq_model.h"
#include "attnviz/core/session.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>

namespace attnviz::cli {

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) { return std::chrono::duration<double, std::milli>(Clock::now() - start).count(); }

// The open time, twice: the aligned line people read and `open_ms N` for
// scripts (bench --memory adds peak_rss_mb and trace_mb the same way).
void printOpenTime(double ms) {
    std::printf("load       %.1f ms\n", ms);
    std::printf("open_ms %.0f\n", ms);
}

// Bytes a trace holds: probabilities, scores and value norms as float32
// (a lazy trace: its queries, keys and thumbnails instead of probabilities).
std::uint64_t traceBytes(const core::AttentionTrace& t) {
    if (t.isLazy()) {
        const std::uint64_t norms = t.hasValueNorms() ? static_cast<std::uint64_t>(t.nLayers()) * t.nHeads() * t.seqLen() : 0;
        return t.lazy()->bytes() + norms * sizeof(float);
    }
    const std::uint64_t heads = static_cast<std::uint64_t>(t.nLayers()) * static_cast<std::uint64_t>(t.nHeads());
    const std::uint64_t matrix = static_cast<std::uint64_t>(t.heldRows()) * static_cast<std::uint64_t>(t.seqLen());
    std::uint64_t floats = heads * matrix * (t.hasScores() ? 2 : 1);
    if (t.hasValueNorms()) floats += heads * static_cast<std::uint64_t>(t.seqLen());
    return floats * sizeof(float);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

// A lazy trace: the milliseconds to compute a head on request (what opening
// it in the window costs), over 8 heads spread over the layers and heads,
// each computed afresh (not from the cache); the cache then holds them.
bool benchLazyHeads(const core::AttentionTrace& trace, double& peakAnonymousMb) {
    if (!trace.isLazy()) return false;
    const core::LazyAttention& lazy = *trace.lazy();
    constexpr int kHeads = 8;
    std::vector<double> ms;
    for (int k = 0; k < kHeads; ++k) {
        const int layer = k * lazy.nLayers() / kHeads;
        const int head = (k * 5 + 3) % lazy.nHeads();
        const auto start = Clock::now();
        const auto matrix = lazy.head(layer, head);
        ms.push_back(msSince(start));
        if (matrix->empty()) return false;
        peakAnonymousMb = std::max(peakAnonymousMb, readProcessMemory().anonymousMb);
    }
    const double top = *std::max_element(ms.begin(), ms.end());
    std::printf("head       %.1f ms median, %.1f ms max to compute one head on request (%d heads, %d x %d)\n",
                median(ms), top, kHeads, lazy.seqLen(), lazy.seqLen());
    std::printf("head_ms %.1f %.1f\n", median(ms), top);
    return true;
}

// `count` seeded random ids below `vocab`: generation cost does not depend
// on which ids.
std::vector<std::int32_t> randomIds(int count, int vocab) {
    std::mt19937 rng(1234);
    std::uniform_int_distribution<int> pick(0, vocab - 1);
    std::vector<std::int32_t> ids(static_cast<std::size_t>(count));
    for (auto& id : ids) id = pick(rng);
    return ids;
}

// Times of one generation: the first step (the prompt or the encoder, and
// the first new token) and each later step (one new token from the cache).
struct StepTimes {
    double firstMs = 0;
    std::vector<double> laterMs;
    bool stoppedAtEos = false;
};

// Runs `generate` (which reports each step through the options' progress)
// `repeat` times after one untimed warm run.
template <class Generate>
core::Result<std::vector<StepTimes>> timeGeneration(int newTokens, int repeat, Generate generate) {
    std::vector<StepTimes> runs;
    for (int r = 0; r <= repeat; ++r) {
        StepTimes times;
        core::GenerateOptions options;
        options.maxNewTokens = newTokens;
        Clock::time_point last = Clock::now();
        options.progress = [&](int done, int) {
            const double ms = msSince(last);
            if (done == 1) times.firstMs = ms;
            else times.laterMs.push_back(ms);
            last = Clock::now();
            return true;
        };
        auto stopped = generate(options);
        if (!stopped) return stopped.takeError();
        times.stoppedAtEos = *stopped;
        if (r > 0) runs.push_back(std::move(times));  // run 0 warms the mapped weights
    }
    return runs;
}

// The report's timing lines (`what`: what the first step runs besides the
// first new token).
int printGenerationTimes(const std::vector<StepTimes>& runs, int newTokens, const char* what) {
    std::vector<double> first, later;
    int eos = 0;
    for (const StepTimes& t : runs) {
        first.push_back(t.firstMs);
        later.insert(later.end(), t.laterMs.begin(), t.laterMs.end());
        eos += t.stoppedAtEos ? 1 : 0;
    }
    std::printf("new        %d tokens, %zu repeats", newTokens, runs.size());
    if (eos > 0) std::printf(" (%d stopped at EOS)", eos);
    std::printf("\n");
    std::printf("first      %.2f ms median: %s and the first new token\n", median(first), what);
    if (later.empty()) {
        return fail("no step after the first was timed (the model stopped at EOS at once, or --generate is 1): "
                    "time per new token needs --generate 2 or more");
    }
    std::printf("per-token  %.2f ms median, %.2f ms min (%zu steps after the first, each one new row from the "
                "key/value cache)\n",
                median(later), *std::min_element(later.begin(), later.end()), later.size());
    return 0;
}

// bench --generate N for an encoder-decoder folder: --tokens random source
// ids, N decoder steps.
int benchSeq2SeqGeneration(const std::string& dir, int sourceTokens, int newTokens, int repeat) {
    const auto t0 = Clock::now();
    auto model = core::loadSeq2SeqModel(dir);
    if (!model) return fail(model.error());
    const double loadMs = msSince(t0);
    for (const std::string& w : (*model)->loadWarnings()) warn(w);
    const core::Seq2SeqConfig& c = (*model)->config();
    if (sourceTokens > c.maxSequenceLength()) {
        return fail("--tokens " + std::to_string(sourceTokens) + ": " + c.modelType + " takes at most " +
                    std::to_string(c.maxSequenceLength()) + " source tokens");
    }
    const std::vector<std::int32_t> source = randomIds(sourceTokens, c.vocabSize);
    std::printf("model      %s (%s, encoder %d layers x %d heads, decoder %d layers x %d heads, d_model %d)\n",
                (*model)->name().c_str(), c.modelType.c_str(), c.encoder.nLayers, c.encoder.nHeads,
                c.decoder.nLayers, c.decoder.nHeads, c.dModel);
    std::printf("backend    %s\n", core::computeBackendInfo().c_str());
    std::printf("threads    %s\n", core::computeThreadLayout().c_str());
    printOpenTime(loadMs);
    std::printf("source     %d tokens\n", sourceTokens);
    auto runs = timeGeneration(newTokens, repeat, [&](const core::GenerateOptions& options) -> core::Result<bool> {
        auto gen = (*model)->generate(source, options);
        if (!gen) return gen.takeError();
        return gen->stoppedAtEos;
    });
    if (!runs) return fail(runs.error());
    return printGenerationTimes(*runs, newTokens, "the encoder");
}

// bench --generate N for a decoder-only model: N new tokens after --tokens
// random prompt ids.
int benchCausalGeneration(const std::string& dir, int promptTokens, int newTokens, int repeat) {
    const auto t0 = Clock::now();
    auto session = core::Session::open(dir);
    if (!session) return fail(session.error());
    const double loadMs = msSince(t0);
    const core::Session& s = **session;
    for (const std::string& w : s.warnings()) warn(w);
    const core::Model& model = s.model();
    const core::ModelConfig& c = model.config();
    const std::vector<std::int32_t> prompt = randomIds(promptTokens, c.vocabSize);
    std::printf("model      %s (%s, %d layers x %d heads, d_model %d)\n", s.name().c_str(), c.modelType.c_str(),
                c.nLayers, c.nHeads, c.dModel);
    std::printf("backend    %s\n", core::computeBackendInfo().c_str());
    std::printf("threads    %s\n", core::computeThreadLayout().c_str());
    printOpenTime(loadMs);
    std::printf("prompt     %d tokens\n", promptTokens);
    auto runs = timeGeneration(newTokens, repeat, [&](const core::GenerateOptions& options) -> core::Result<bool> {
        auto gen = core::generateCausal(model, prompt, options);
        if (!gen) return gen.takeError();
        return gen->stoppedAtEos;
    });
    if (!runs) return fail(runs.error());
    return printGenerationTimes(*runs, newTokens, "the prompt");
}

// bench --generate N: greedy generation timed step by step.
int runGenerateBench(const ArgParser& args, const std::string& dir) {
    for (const char* option : {"--mask", "--scores"}) {
        if (args.has(option)) return fail(std::string(option) + " does not apply to --generate (generation uses the model's own mask)");
    }
    if (args.has("--memory")) return fail("--memory does not apply to --generate (it reports the trace of one run)");
    auto newTokens = args.intValue("--generate", 16, 1, 1 << 16);
    if (!newTokens) return fail(newTokens.error());
    auto tokens = args.intValue("--tokens", 16, 1, 1 << 16);
    if (!tokens) return fail(tokens.error());
    auto repeat = args.intValue("--repeat", 3, 1, 100000);
    if (!repeat) return fail(repeat.error());
    auto threads = args.intValue("--threads", 0, 0, 1024);
    if (!threads) return fail(threads.error());
    if (*threads > 0) core::setComputeThreads(*threads);
    if (core::isSeq2SeqFolder(dir)) return benchSeq2SeqGeneration(dir, *tokens, *newTokens, *repeat);
    return benchCausalGeneration(dir, *tokens, *newTokens, *repeat);
}

}  // namespace

int runBench(const std::vector<std::string>& argv) {
    if (std::find(argv.begin(), argv.end(), "--typing") != argv.end()) return runTypingBench(argv);
    auto args = ArgParser::parse(argv, {{"--model"}, {"--tokens"}, {"--repeat"}, {"--threads"}, {"--mask"}, {"--scores", false},
                                        {"--generate"}, {"--memory", false}, {"--lazy", false}});
    if (!args) return fail(args.error());
    auto dir = modelPath(*args);
    if (!dir) return fail(dir.error());
    if (args->has("--generate")) return runGenerateBench(*args, *dir);
    if (core::isSeq2SeqFolder(*dir)) {
        return fail("'" + *dir + "' is an encoder-decoder model: bench times its generation with --generate N");
    }
    auto tokens = args->intValue("--tokens", 128, 1, 1 << 16);
    if (!tokens) return fail(tokens.error());
    auto repeat = args->intValue("--repeat", 10, 1, 100000);
    if (!repeat) return fail(repeat.error());
    auto threads = args->intValue("--threads", 0, 0, 1024);
    if (!threads) return fail(threads.error());
    auto mask = core::MaskMode::parse(args->value("--mask").value_or("default"));
    if (!mask) return fail(mask.error());
    if (*threads > 0) core::setComputeThreads(*threads);

    const auto t0 = Clock::now();
    auto session = core::Session::open(*dir);
    if (!session) return fail(session.error());
    const double loadMs = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    (*session)->setLimits(core::SessionLimits::none());
    (*session)->setPrefixReuse(false);  // every run computes every row
    const core::Session& s = **session;
    for (const std::string& w : s.warnings()) warn(w);
    const core::ModelConfig& c = s.model().config();

    // Seeded random ids: attention cost does not depend on which ids.
    std::mt19937 rng(1234);
    std::uniform_int_distribution<int> pick(0, c.vocabSize - 1);
    std::vector<std::int32_t> ids(static_cast<std::size_t>(*tokens));
    for (auto& id : ids) id = pick(rng);
    auto input = s.tokensFromIds(ids);
    if (!input) return fail(input.error());
    core::RunRequest request;
    request.mask = *mask;
    request.scores = args->has("--scores");
    const bool lazy = args->has("--lazy");
    if (lazy && request.scores) return fail("--lazy keeps no scores: drop --scores");
    if (lazy) request.keeping = core::RunRequest::Keeping::Lazy;

    std::printf("model      %s (%s, %d layers x %d heads, d_model %d)\n", s.name().c_str(), c.modelType.c_str(),
                c.nLayers, c.nHeads, c.dModel);
    std::printf("backend    %s\n", core::computeBackendInfo().c_str());
    std::printf("threads    %s\n", core::computeThreadLayout().c_str());
    printOpenTime(loadMs);
    const std::uint64_t flopsBefore = core::matmulFlopsCounted();
    // The most anonymous memory (beyond mapped files: converted or
    // dequantised weights, traces) seen after loading and after each run.
    double peakAnonymousMb = readProcessMemory().anonymousMb;
    auto warm = s.run(*input, request);  // first touch of the mapped weights
    if (!warm) return fail(warm.error());
    peakAnonymousMb = std::max(peakAnonymousMb, readProcessMemory().anonymousMb);
    std::uint64_t heldTraceBytes = traceBytes(*(*warm)->trace);
    if ((*warm)->defaultTrace && (*warm)->defaultTrace != (*warm)->trace) heldTraceBytes += traceBytes(*(*warm)->defaultTrace);
    const double gflop = static_cast<double>(core::matmulFlopsCounted() - flopsBefore) / 1e9;
    // One result held at a time, as the window holds one.
    std::shared_ptr<const core::RunResult> held = std::move(warm.value());
    std::vector<double> ms;
    for (int r = 0; r < *repeat; ++r) {
        held.reset();
        const auto start = Clock::now();
        auto result = s.run(*input, request);
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        if (!result) return fail(result.error());
        held = std::move(result.value());
        peakAnonymousMb = std::max(peakAnonymousMb, readProcessMemory().anonymousMb);
    }
    std::sort(ms.begin(), ms.end());
    const double median = ms.size() % 2 ? ms[ms.size() / 2] : 0.5 * (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]);
    std::printf("tokens     %d\nrepeat     %d\nmedian     %.2f ms\nmin        %.2f ms\n", *tokens, *repeat, median, ms.front());
    // The rate of the matrix products over the whole pass, and the floor a
    // short input meets: every layer's weights read once from memory.
    std::printf("gflop      %.2f per run (matrix products)\n", gflop);
    std::printf("rate       %.1f GFLOP/s at the median, %.1f at the min\n", gflop / median * 1e3,
                gflop / ms.front() * 1e3);
    const double weightMb = static_cast<double>(s.model().layerWeightBytes()) / 1e6;
    const double bandwidth = measureReadBandwidth();
    std::printf("floor      %.2f ms: %.0f MB of layer weights at %.1f GB/s measured read bandwidth\n",
                weightMb / bandwidth, weightMb, bandwidth);
    if (lazy) {
        if (!benchLazyHeads(*held->trace, peakAnonymousMb)) return fail("the run kept no lazy trace");
    }
    const ProcessMemory mem = readProcessMemory();
    std::printf("memory     %.0f MB peak resident; %.0f MB anonymous at most after a run (beyond mapped files), "
                "%.0f MB of mapped files resident now\n",
                mem.peakResidentMb, peakAnonymousMb, mem.fileMb);
    if (args->has("--memory")) {
        // VmHWM (mapped files included) and the float32 trace of one run.
        std::printf("peak_rss_mb %.0f\n", mem.peakResidentMb);
        std::printf("trace_mb %.3f\n", static_cast<double>(heldTraceBytes) / 1e6);
    }
    return 0;
}

}  // namespace attnviz::cli
