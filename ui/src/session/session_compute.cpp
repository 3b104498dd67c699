#include "attnviz/ui/session/session_compute.h"

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
    request.globalTokens = features.globalTokens;
    auto run = model.session->run(tokens, request, control);
    if (!run) return run.takeError();
    return toSessionResult(std::move(run.value()), tokenizeMs);
}

core::Result<std::shared_ptr<const SessionResult>> completeInduction(const LoadedModel& model,
                                                                     const SessionResult& result,
                                                                     const std::atomic<bool>* cancel) {
    if (!model.isValid()) return noModel();
    core::RunControl control;
    control.cancel = cancel;
    auto run = model.session->withInduction(*result.run, control);
    if (!run) return run.takeError();
    return toSessionResult(std::move(run.value()), result.tokenizeMs);
}

bool needsInduction(const SessionResult& result) { return result.run->needsInduction(); }

}  // namespace attnviz::ui
