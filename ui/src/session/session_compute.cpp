#include "attnviz/ui/session/session_compute.h"

#include "attnviz/core/head_stats.h"

namespace attnviz::ui {
namespace {

core::Error noModel() { return core::makeError(core::ErrorCode::InvalidInput, "no model is open"); }

}  // namespace

core::Result<std::vector<core::Token>> tokenizeInput(const LoadedModel& model, const SessionInput& input) {
    if (!model.isValid()) return noModel();
    core::SessionInput in;
    in.text = input.text.toStdString();
    in.usePair = input.usePair && model.takesPairs();
    if (in.usePair) in.pair = input.pair.toStdString();
    return model.session->tokenize(in);
}

core::Result<std::shared_ptr<const SessionResult>> runSession(const LoadedModel& model,
                                                              const std::vector<core::Token>& tokens,
                                                              core::MaskMode mask, const std::atomic<bool>* cancel,
                                                              const RunFeatures& features, double tokenizeMs) {
    if (!model.isValid()) return noModel();
    core::RunControl control;
    control.cancel = cancel;
    core::RunRequest request = core::RunRequest::forViews(mask, features.predictions, features.topK);
    request.headStatistics = features.statistics;
    request.globalTokens = features.globalTokens;
    // Inputs whose full trace would pass the memory budget keep each layer's
    // queries and keys instead; the views compute the heads they show.
    request.keeping = core::RunRequest::Keeping::WhenLarge;
    if (features.captureLayer >= 0) request.captureLayers = {features.captureLayer};
    auto run = model.session->run(tokens, request, control);
    if (!run) return run.takeError();
    return toSessionResult(std::move(run.value()), tokenizeMs);
}

core::Result<std::shared_ptr<const SessionResult>> completeExtras(const LoadedModel& model, const SessionResult& result,
                                                                  const RunFeatures& features,
                                                                  const std::atomic<bool>* cancel) {
    if (!model.isValid()) return noModel();
    std::shared_ptr<const core::RunResult> run = result.run;
    if (features.statistics && run->headStats.empty()) {
        auto copy = std::make_shared<core::RunResult>(*run);
        copy->headStats = core::computeHeadStats(*copy->trace);
        run = std::move(copy);
    }
    if (cancel != nullptr && cancel->load()) return core::makeError(core::ErrorCode::Cancelled, "cancelled");
    if (features.induction && run->needsInduction()) {
        core::RunControl control;
        control.cancel = cancel;
        auto measured = model.session->withInduction(*run, control);
        if (!measured) return measured.takeError();
        run = std::move(measured.value());
    }
    return toSessionResult(std::move(run), result.tokenizeMs);
}

bool needsExtras(const SessionResult& result, const RunFeatures& features) {
    if (features.statistics && result.headStats.empty()) return true;
    return features.induction && features.statistics && needsInduction(result);
}

bool needsInduction(const SessionResult& result) { return result.run->needsInduction(); }

}  // namespace attnviz::ui
