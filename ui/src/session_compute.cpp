#include "attnviz/ui/session_compute.h"

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
                                                              const SessionResult* previous) {
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
    options.cancel = cancel;
    if (m.hasTokenTypes()) options.tokenTypeIds = types;

    auto trace = m.run(ids, options);
    if (cancel != nullptr && cancel->load()) return core::makeError("cancelled");
    if (!trace) return trace.takeError();

    auto result = std::make_shared<SessionResult>();
    result->model = model.model;
    result->modelName = model.name();
    result->modelType = QString::fromStdString(m.config().modelType);
    result->requestedMask = mask;
    result->defaultMask = m.defaultMask();
    result->trace = std::make_shared<const core::AttentionTrace>(std::move(trace.value()));
    for (const core::Token& t : tokens) {
        result->tokens.push_back({QString::fromStdString(t.display), t.special, t.id});
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
        auto base = m.run(ids, defaults);
        if (cancel != nullptr && cancel->load()) return core::makeError("cancelled");
        if (!base) return base.takeError();
        result->defaultTrace = std::make_shared<const core::AttentionTrace>(std::move(base.value()));
    }
    result->computeMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
    return std::shared_ptr<const SessionResult>(std::move(result));
}

}  // namespace attnviz::ui
