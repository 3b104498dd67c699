#include "attnviz/core/session.h"

#include "attnviz/core/predictions.h"
#include "session_cache.h"

#include <algorithm>
#include <chrono>

namespace attnviz::core {
namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

bool cancelled(const RunControl& control) { return control.cancel != nullptr && control.cancel->load(); }

Error cancelledError() { return makeError(ErrorCode::Cancelled, "cancelled"); }

// The stages of a run in order, for progress reports.
std::vector<RunStage> plannedStages(const RunRequest& request, bool defaultMaskRun) {
    std::vector<RunStage> stages{RunStage::Forward};
    if (defaultMaskRun) stages.push_back(RunStage::DefaultMask);
    if (request.headStatistics || request.predictions) stages.push_back(RunStage::Statistics);
    if (request.induction) stages.push_back(RunStage::Induction);
    return stages;
}

}  // namespace

RunRequest RunRequest::forViews(MaskMode mask, bool predictions, int topK) {
    RunRequest request;
    request.mask = mask;
    request.scores = true;
    request.valueNorms = true;
    request.headStatistics = true;
    request.defaultMaskRun = true;
    request.predictions = predictions;
    request.topK = topK;
    return request;
}

std::string_view runStageName(RunStage stage) {
    switch (stage) {
    case RunStage::Forward: return "forward pass";
    case RunStage::DefaultMask: return "run with the model's own mask";
    case RunStage::Statistics: return "head statistics";
    case RunStage::Induction: return "induction pass";
    }
    return "";
}

namespace {

// "'dir/tokenizer.json'", or what it is when built without a file.
std::string tokenizerName(const Tokenizer& tokenizer) {
    return tokenizer.source().empty() ? "(" + tokenizer.kind() + ")" : tokenizer.source();
}

}  // namespace

Result<std::shared_ptr<Session>> Session::open(const std::filesystem::path& dir, const ProgressFn& progress) {
    auto model = loadModel(dir, progress);
    if (!model) return model.takeError();
    std::shared_ptr<const Tokenizer> tokenizer;
    std::string problem;
    auto loaded = loadTokenizer(dir);
    if (loaded) {
        tokenizer = std::shared_ptr<const Tokenizer>(std::move(loaded.value()));
    } else {
        problem = loaded.error();
    }
    return std::make_shared<Session>(std::shared_ptr<const Model>(std::move(model.value())), std::move(tokenizer),
                                     std::move(problem), dir);
}

Session::Session(std::shared_ptr<const Model> model, std::shared_ptr<const Tokenizer> tokenizer,
                 std::string tokenizerProblem, std::filesystem::path dir)
    : m_model(std::move(model)),
      m_tokenizer(std::move(tokenizer)),
      m_tokenizerProblem(std::move(tokenizerProblem)),
      m_dir(std::move(dir)),
      m_cache(std::make_shared<Cache>()) {
    m_warnings = m_model->loadWarnings();
    const int modelVocab = m_model->config().vocabSize;
    if (m_tokenizer && m_tokenizer->vocabSize() > modelVocab) {
        m_warnings.push_back("the tokenizer " + tokenizerName(*m_tokenizer) + " has " +
                             std::to_string(m_tokenizer->vocabSize()) + " ids (with its added tokens) but the model's " +
                             "vocab_size is " + std::to_string(modelVocab) + "; texts that use ids " +
                             std::to_string(modelVocab) + " and above will not run");
    }
    if (m_tokenizer) {
        // The text a user types for a masked position (hints name it); only
        // ids the model has (a stray added id near 2^31 must not make this
        // loop run for minutes).
        for (std::int32_t id = 0; id < std::min(m_tokenizer->vocabSize(), modelVocab); ++id) {
            const std::string piece = m_tokenizer->piece(id);
            if (isMaskPiece(piece)) {
                m_maskToken = piece;
                break;
            }
        }
    }
}

bool Session::takesPairs() const { return m_tokenizer && m_model->hasTokenTypes() && m_tokenizer->supportsPairs(); }

Result<std::shared_ptr<const RunResult>> Session::run(const std::vector<Token>& tokens, const RunRequest& request,
                                                      const RunControl& control) const {
    if (tokens.empty()) return makeError(ErrorCode::InvalidInput, "there are no tokens: type a sentence");
    if (static_cast<long long>(tokens.size()) > m_limits.maxTokens) {
        return makeError(ErrorCode::InvalidInput, "the text has " + std::to_string(tokens.size()) +
                                                      " tokens; attnviz shows at most " +
                                                      std::to_string(m_limits.maxTokens) + ": shorten it");
    }
    // An id the tokenizer made that the model lacks: name the tokenizer file
    // and the token (ids typed by the user fall to the model's own check).
    if (m_tokenizer) {
        const int modelVocab = m_model->config().vocabSize;
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            const std::int32_t id = tokens[i].id;
            if (id >= modelVocab && id < m_tokenizer->vocabSize()) {
                return makeError(ErrorCode::InvalidInput,
                                 "token '" + m_tokenizer->piece(id) + "' (id " + std::to_string(id) + ", position " +
                                     std::to_string(i) + ") of the tokenizer " + tokenizerName(*m_tokenizer) +
                                     " is outside the model's vocabulary (vocab_size " + std::to_string(modelVocab) +
                                     " in config.json)");
            }
        }
    }
    const Clock::time_point start = Clock::now();
    auto result = std::make_shared<RunResult>();
    result->model = m_model;
    result->modelName = m_model->name();
    result->modelType = m_model->config().modelType;
    result->tokens = tokens;
    result->requestedMask = request.mask;
    result->defaultMask = m_model->defaultMask();
    result->maskToken = m_maskToken;

    const std::vector<std::int32_t> ids = result->ids();
    RunOptions options;
    options.mask = request.mask;
    options.captureScores = request.scores;
    options.captureValueNorms = request.valueNorms;
    options.cancel = control.cancel;
    options.globalTokens = request.globalTokens;
    options.captureLayers = request.captureLayers;
    if (m_model->hasTokenTypes()) {
        for (const Token& t : tokens) options.tokenTypeIds.push_back(t.typeId);
    }
    const bool lazyFits = m_model->keepsLazyTraces() && request.captureLayers.empty();
    if (request.keeping == RunRequest::Keeping::Lazy ||
        (request.keeping == RunRequest::Keeping::WhenLarge && lazyFits &&
         m_model->traceBytes(static_cast<int>(tokens.size()), options) > traceMemoryBudget())) {
        options.lazyTrace = true;
        options.captureScores = false;
    }
    std::vector<int> positions;
    if (request.predictions) predict(tokens, options, *result, positions);

    // Is the requested mask the model's own? Then the same run serves both.
    const MaskMode resolved = request.mask.kind == MaskMode::Kind::Default ? result->defaultMask : request.mask;
    const bool extraDefaultRun = request.defaultMaskRun && resolved != result->defaultMask;
    const std::vector<RunStage> stages = plannedStages(request, extraDefaultRun);
    int stage = 0;
    auto report = [&](RunStage s) {
        if (control.progress) control.progress(s, stage, static_cast<int>(stages.size()));
        ++stage;
    };

    report(RunStage::Forward);
    Clock::time_point t = Clock::now();
    std::unique_ptr<PrefixCache> prefix;
    if (m_prefixReuse) {
        std::lock_guard lock(m_cache->mutex);
        prefix = std::move(m_cache->prefix);
        if (!prefix) prefix = std::make_unique<PrefixCache>();
        options.prefixCache = prefix.get();
    }
    auto trace = m_model->run(ids, options);
    if (!trace && trace.code() != ErrorCode::Cancelled && options.computeLogits) {
        // The LM head failed (e.g. a BERT checkpoint without one): keep the
        // attention and remember not to ask again.
        result->predictionProblem = trace.error();
        if (trace.code() != ErrorCode::OutOfMemory) {
            std::lock_guard lock(m_cache->mutex);
            m_cache->lmHeadProblem = trace.error();
        }
        options.computeLogits = false;
        trace = m_model->run(ids, options);
    }
    if (cancelled(control)) return cancelledError();
    if (!trace) return trace.takeError();
    result->timings.forwardMs = msSince(t);
    if (prefix) {
        result->prefixRowsReused = prefix->firstRow();
        std::lock_guard lock(m_cache->mutex);
        if (!m_cache->prefix) m_cache->prefix = std::move(prefix);
    }

    if (options.computeLogits) {
        t = Clock::now();
        auto top = topPredictions(*trace, positions, request.topK);
        if (!top) {
            result->predictionProblem = top.error();
        } else {
            for (const PositionPrediction& p : *top) {
                PositionPredictions out;
                out.position = p.position;
                for (const TokenPrediction& tp : p.top) out.top.push_back({tp.id, tokenText(tp.id), tp.probability});
                result->predictions.push_back(std::move(out));
            }
        }
        // (tokens x vocabulary) floats that nothing else reads.
        std::vector<float>().swap(trace->logits);
        trace->vocabSize = 0;
        result->timings.statisticsMs += msSince(t);
    }
    result->trace = std::make_shared<const AttentionTrace>(std::move(trace.value()));

    if (request.defaultMaskRun) {
        if (!extraDefaultRun) {
            result->defaultTrace = result->trace;
        } else {
            std::shared_ptr<const AttentionTrace> cached;
            {
                std::lock_guard lock(m_cache->mutex);
                cached = m_cache->defaultTrace;
            }
            if (cached && cached->tokenIds == ids && cached->tokenTypeIds == result->trace->tokenTypeIds &&
                cached->globalTokens() == result->trace->globalTokens()) {
                result->defaultTrace = cached;
            } else {
                report(RunStage::DefaultMask);
                t = Clock::now();
                RunOptions defaults;
                defaults.lazyTrace = options.lazyTrace;
                defaults.tokenTypeIds = options.tokenTypeIds;
                defaults.globalTokens = options.globalTokens;
                defaults.cancel = control.cancel;
                auto base = m_model->run(ids, defaults);
                if (cancelled(control)) return cancelledError();
                if (!base) return base.takeError();
                result->defaultTrace = std::make_shared<const AttentionTrace>(std::move(base.value()));
                result->timings.defaultMaskMs = msSince(t);
            }
        }
        std::lock_guard lock(m_cache->mutex);
        m_cache->defaultTrace = result->defaultTrace;
    }

    if (request.headStatistics) {
        report(RunStage::Statistics);
        t = Clock::now();
        result->headStats = computeHeadStats(*result->trace);
        result->timings.statisticsMs += msSince(t);
        // Scores measured before (for this model and mask) come for free.
        applyCachedInduction(*result);
    }
    if (request.induction && result->needsInduction()) {
        report(RunStage::Induction);
        if (Status s = addInduction(*result, control); !s) return s.takeError();
    }
    result->timings.totalMs = msSince(start);
    return std::shared_ptr<const RunResult>(std::move(result));
}

Result<std::shared_ptr<const RunResult>> Session::withInduction(const RunResult& result,
                                                                const RunControl& control) const {
    if (result.model != m_model) {
        return makeError(ErrorCode::InvalidInput, "the result was computed by another model");
    }
    auto copy = std::make_shared<RunResult>(result);
    if (copy->needsInduction()) {
        if (control.progress) control.progress(RunStage::Induction, 0, 1);
        if (Status s = addInduction(*copy, control); !s) return s.takeError();
    }
    return std::shared_ptr<const RunResult>(std::move(copy));
}

bool Session::applyCachedInduction(RunResult& result) const {
    const std::string key = result.trace->mask().toString();
    std::lock_guard lock(m_cache->mutex);
    if (auto it = m_cache->induction.find(key); it != m_cache->induction.end()) {
        result.induction = it->second;
        applyInduction(result.headStats, result.induction->scores);
        return true;
    }
    if (auto p = m_cache->inductionProblem.find(key); p != m_cache->inductionProblem.end()) {
        result.inductionProblem = p->second;
        return true;
    }
    return false;
}

// A model that cannot be measured gets the reason in inductionProblem (and
// the session remembers it, so it is not tried again).
Status Session::addInduction(RunResult& result, const RunControl& control) const {
    if (applyCachedInduction(result)) return {};
    const MaskMode mask = result.trace->mask();
    const Clock::time_point start = Clock::now();
    // Like attnviz-cli analyze always did: models with short position tables
    // use the longest repeat that fits.
    InductionOptions options;
    options.shrinkToFit = true;
    auto sequence = makeInductionSequence(m_model->config(), m_tokenizer.get(), options);
    Result<std::vector<double>> scores = sequence ? measureInduction(*m_model, *sequence, mask, control.cancel)
                                                  : Result<std::vector<double>>(sequence.takeError());
    if (cancelled(control)) return cancelledError();
    if (!scores && scores.code() == ErrorCode::Cancelled) return scores.takeError();
    result.timings.inductionMs = msSince(start);
    std::lock_guard lock(m_cache->mutex);
    if (!scores) {
        result.inductionProblem = "induction: " + scores.error();
        m_cache->inductionProblem[mask.toString()] = result.inductionProblem;
        return {};
    }
    auto measured = std::make_shared<InductionMeasurement>();
    measured->sequence = std::move(sequence.value());
    measured->scores = std::move(scores.value());
    measured->mask = mask;
    result.induction = measured;
    applyInduction(result.headStats, measured->scores);
    m_cache->induction[mask.toString()] = std::move(measured);
    return {};
}

}  // namespace attnviz::core
