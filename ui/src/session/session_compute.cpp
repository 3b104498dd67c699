#include "attnviz/ui/session/session_compute.h"

#include "attnviz/core/predictions.h"

#include <QElapsedTimer>
#include <QRegularExpression>

namespace attnviz::ui {
namespace {

core::Result<std::vector<core::Token>> parseIds(const QString& text, const LoadedModel& model) {
    std::vector<core::Token> tokens;
    const QStringList items = text.split(QRegularExpression(QStringLiteral("[,;\\s]+")), Qt::SkipEmptyParts);
    for (const QString& item : items) {
        bool ok = false;
        const int id = item.toInt(&ok);
        if (!ok) {
            return core::makeError("this model has no tokenizer attnviz can read (" +
                                   model.tokenizerProblem.toStdString() +
                                   "): type token ids separated by spaces, e.g. 1 15 27; '" + item.toStdString() +
                                   "' is not a number");
        }
        core::Token t;
        t.id = id;
        t.display = "#" + std::to_string(id);
        tokens.push_back(std::move(t));
    }
    return tokens;
}

QString tokenText(const LoadedModel& model, std::int32_t id) {
    const std::string display = model.tokenizer ? model.tokenizer->display(id) : std::string();
    return display.empty() ? QStringLiteral("#%1").arg(id) : QString::fromStdString(display);
}

// Fills result.predictions from the logits of `trace` (then dropped: they are
// tokens x vocabulary floats and nothing else reads them).
void takePredictions(const LoadedModel& model, const std::vector<int>& positions, int topK, core::AttentionTrace& trace,
                     SessionResult& result) {
    auto top = core::topPredictions(trace, positions, topK);
    if (!top) {
        result.predictionProblem = QString::fromStdString(top.error());
    } else {
        for (const core::PositionPrediction& p : *top) {
            PositionPredictions out;
            out.position = p.position;
            for (const core::TokenPrediction& t : p.top) out.top.push_back({t.id, tokenText(model, t.id), t.probability});
            result.predictions.push_back(std::move(out));
        }
    }
    std::vector<float>().swap(trace.logits);
    trace.vocabSize = 0;
}

bool sameInductionKey(const SessionResult& a, const core::Model* model, core::MaskMode mask) {
    return a.induction && a.model.get() == model && a.induction->mask == mask;
}

}  // namespace

core::Result<std::vector<core::Token>> tokenizeInput(const LoadedModel& model, const SessionInput& input) {
    if (!model.isValid()) return core::makeError("no model is open");
    const qsizetype chars = input.text.size() + (input.usePair ? input.pair.size() : 0);
    if (chars > kMaxTextChars) {
        return core::makeError("the text has " + std::to_string(chars) + " characters; attnviz shows at most " +
                               std::to_string(kMaxTokens) + " tokens: shorten it");
    }
    if (!model.tokenizer) return parseIds(input.text, model);
    const std::string text = input.text.toStdString();
    const std::string pair = input.pair.toStdString();
    auto enc = input.usePair && model.takesPairs() ? model.tokenizer->encode(text, std::string_view(pair))
                                                   : model.tokenizer->encode(text);
    if (!enc) return enc.takeError();
    return std::move(enc->tokens);
}

core::Result<std::shared_ptr<const SessionResult>> runSession(const LoadedModel& model,
                                                              const std::vector<core::Token>& tokens,
                                                              core::MaskMode mask, const std::atomic<bool>* cancel,
                                                              const SessionResult* previous,
                                                              const RunFeatures& features) {
    if (!model.isValid()) return core::makeError("no model is open");
    if (tokens.empty()) return core::makeError("there are no tokens: type a sentence");
    if (static_cast<int>(tokens.size()) > kMaxTokens) {
        return core::makeError("the text has " + std::to_string(tokens.size()) + " tokens; attnviz shows at most " +
                               std::to_string(kMaxTokens) + ": shorten it");
    }
    const core::Model& m = *model.model;
    QElapsedTimer timer;
    timer.start();

    std::vector<std::int32_t> ids;
    std::vector<std::int32_t> types;
    for (const core::Token& t : tokens) {
        ids.push_back(t.id);
        types.push_back(t.typeId);
    }
    core::RunOptions options;
    options.mask = mask;
    options.captureScores = true;
    options.captureValueNorms = true;
    options.cancel = cancel;
    if (m.hasTokenTypes()) options.tokenTypeIds = types;

    // Predictions: a causal model predicts after the last token, a masked LM
    // fills each mask token. Some checkpoints have no LM head (a previous run
    // found out): then only attention is computed.
    const core::ModelConfig& config = m.config();
    std::vector<int> positions;
    QString predictionProblem;
    bool needsMask = false;
    const bool sameModel = previous != nullptr && previous->model == model.model;
    const bool headMissing = sameModel && previous->predictionsComputed && previous->predictions.empty() &&
                             previous->predictionProblem.contains(QLatin1String("no masked-language-model head"));
    if (features.predictions) {
        positions = core::predictionPositions(config, tokens);
        const long long entries = static_cast<long long>(tokens.size()) * config.vocabSize;
        if (headMissing) {
            predictionProblem = previous->predictionProblem;
        } else if (positions.empty() && config.isEncoder() && !model.tokenizer) {
            predictionProblem = QStringLiteral("Predictions of a masked language model fill its mask tokens, and "
                                               "without a tokenizer attnviz cannot tell which typed id is one.");
        } else if (positions.empty()) {
            needsMask = true;
            const QString mask = model.maskToken.isEmpty() ? QStringLiteral("[MASK]") : model.maskToken;
            predictionProblem =
                QStringLiteral("This is a masked language model: type %1 where a word should be filled in.").arg(mask);
        } else if (entries > kMaxLogitEntries) {
            predictionProblem = QStringLiteral("Predictions skipped: %1 tokens x %2 vocabulary entries of logits "
                                               "would take %3 MB; shorten the text")
                                    .arg(tokens.size())
                                    .arg(config.vocabSize)
                                    .arg(entries * 4 / (1024 * 1024));
        } else {
            options.computeLogits = true;
        }
    }

    auto trace = m.run(ids, options);
    if (cancel != nullptr && cancel->load()) return core::makeError("cancelled");
    if (!trace && options.computeLogits) {
        // The LM head failed (e.g. a BERT checkpoint without one): keep the attention.
        predictionProblem = QString::fromStdString(trace.error());
        options.computeLogits = false;
        trace = m.run(ids, options);
        if (cancel != nullptr && cancel->load()) return core::makeError("cancelled");
    }
    if (!trace) return trace.takeError();

    auto result = std::make_shared<SessionResult>();
    result->predictionsComputed = features.predictions;
    result->maskedLm = config.isEncoder();
    result->maskToken = model.maskToken;
    result->predictionProblem = predictionProblem;
    result->predictionNeedsMask = needsMask;
    if (options.computeLogits) takePredictions(model, positions, features.topK, trace.value(), *result);
    result->model = model.model;
    result->modelName = model.name();
    result->modelType = QString::fromStdString(m.config().modelType);
    result->requestedMask = mask;
    result->defaultMask = m.defaultMask();
    result->trace = std::make_shared<const core::AttentionTrace>(std::move(trace.value()));
    for (const core::Token& t : tokens) {
        result->tokens.push_back({QString::fromStdString(t.display), t.special, t.id});
    }

    result->headStats = core::computeHeadStats(*result->trace);
    if (previous != nullptr && sameInductionKey(*previous, model.model.get(), result->trace->mask())) {
        result->induction = previous->induction;
        core::applyInduction(result->headStats, result->induction->scores);
    } else if (sameModel && !previous->inductionProblem.isEmpty() && previous->trace->mask() == result->trace->mask()) {
        result->inductionProblem = previous->inductionProblem;  // would fail again
    }

    if (result->trace->maskIsModelDefault()) {
        result->defaultTrace = result->trace;
    } else if (previous != nullptr && previous->defaultTrace && previous->defaultTrace->tokenIds == ids &&
               previous->defaultTrace->tokenTypeIds == result->trace->tokenTypeIds &&
               previous->model == result->model) {
        result->defaultTrace = previous->defaultTrace;
    } else {
        core::RunOptions defaults = options;
        defaults.mask = core::MaskMode::defaultMode();
        defaults.captureScores = false;
        defaults.captureValueNorms = false;
        defaults.computeLogits = false;
        auto base = m.run(ids, defaults);
        if (cancel != nullptr && cancel->load()) return core::makeError("cancelled");
        if (!base) return base.takeError();
        result->defaultTrace = std::make_shared<const core::AttentionTrace>(std::move(base.value()));
    }
    result->computeMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
    return std::shared_ptr<const SessionResult>(std::move(result));
}

bool needsInduction(const SessionResult& result) { return !result.induction && result.inductionProblem.isEmpty(); }

core::Result<std::shared_ptr<const InductionMeasurement>> measureSessionInduction(const LoadedModel& model,
                                                                                  const SessionResult& result,
                                                                                  const std::atomic<bool>* cancel) {
    if (!model.isValid() || model.model != result.model) return core::makeError("the model changed");
    // Like attnviz-cli analyze: models with short position tables use the
    // longest repeat that fits.
    core::InductionOptions options;
    options.shrinkToFit = true;
    auto sequence = core::makeInductionSequence(model.model->config(), model.tokenizer.get(), options);
    if (!sequence) return core::makeError("induction: " + sequence.error());
    auto scores = core::measureInduction(*model.model, *sequence, result.trace->mask(), cancel);
    if (cancel != nullptr && cancel->load()) return core::makeError("cancelled");
    if (!scores) return core::makeError("induction: " + scores.error());
    auto out = std::make_shared<InductionMeasurement>();
    out->sequence = std::move(sequence.value());
    out->scores = std::move(scores.value());
    out->mask = result.trace->mask();
    return std::shared_ptr<const InductionMeasurement>(std::move(out));
}

std::shared_ptr<const SessionResult> withInduction(const SessionResult& result,
                                                   std::shared_ptr<const InductionMeasurement> induction) {
    auto copy = std::make_shared<SessionResult>(result);
    if (induction && induction->scores.size() == copy->headStats.size()) {
        core::applyInduction(copy->headStats, induction->scores);
        copy->induction = std::move(induction);
        copy->inductionProblem.clear();
    }
    return copy;
}

std::shared_ptr<const SessionResult> withInductionProblem(const SessionResult& result, const QString& problem) {
    auto copy = std::make_shared<SessionResult>(result);
    copy->inductionProblem = problem;
    return copy;
}

}  // namespace attnviz::ui
