#include "attnviz/ui/session/seq2seq_compute.h"

#include "attnviz/core/head_stats.h"
#include "attnviz/core/predictions.h"

#include <QRegularExpression>

#include <chrono>

namespace attnviz::ui {
namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// "1 15 27" or "1,15,27" when the folder has no tokenizer.
core::Result<std::vector<std::int32_t>> parseIds(const QString& text, const char* what) {
    std::vector<std::int32_t> ids;
    for (const QString& part : text.split(QRegularExpression(QStringLiteral("[\\s,]+")), Qt::SkipEmptyParts)) {
        bool ok = false;
        const int id = part.toInt(&ok);
        if (!ok || id < 0) {
            return core::makeError(core::ErrorCode::InvalidInput,
                                   std::string(what) + ": '" + part.toStdString() +
                                       "' is not a token id (this model has no tokenizer: type ids separated by spaces)");
        }
        ids.push_back(id);
    }
    return ids;
}

std::vector<TokenLabel> labelsOf(const std::vector<core::Token>& tokens) {
    std::vector<TokenLabel> out;
    out.reserve(tokens.size());
    for (const core::Token& t : tokens) out.push_back({QString::fromStdString(t.display), t.special, t.id});
    return out;
}

// A core::RunResult over one stack's square trace (aliasing the run, no copy).
std::shared_ptr<core::RunResult> squareRun(const std::shared_ptr<const core::Seq2SeqRunResult>& run,
                                           const std::shared_ptr<const core::Seq2SeqRunResult>& defaultRun,
                                           bool encoder, core::MaskMode mask, const RunFeatures& features) {
    auto out = std::make_shared<core::RunResult>();
    out->modelName = run->modelName;
    out->modelType = run->modelType;
    out->tokens = encoder ? run->sourceTokens : run->decoderTokens;
    out->requestedMask = mask;
    out->defaultMask = encoder ? core::MaskMode::bidirectional() : core::MaskMode::causal();
    out->trace = std::shared_ptr<const core::AttentionTrace>(run, encoder ? &run->trace.encoder : &run->trace.decoder);
    const auto& base = defaultRun ? defaultRun : run;
    out->defaultTrace =
        std::shared_ptr<const core::AttentionTrace>(base, encoder ? &base->trace.encoder : &base->trace.decoder);
    if (features.statistics) out->headStats = core::computeHeadStats(*out->trace);
    // Induction is measured on a sequence of its own through a decoder-only
    // model; it has no meaning here.
    out->inductionProblem = "not measured for encoder-decoder models";
    return out;
}

}  // namespace

std::shared_ptr<const Seq2SeqViews> seq2seqViews(const core::Seq2SeqSession& session,
                                                 std::shared_ptr<const core::Seq2SeqRunResult> run,
                                                 std::shared_ptr<const core::Seq2SeqRunResult> defaultRun,
                                                 core::MaskMode encoderMask, core::MaskMode decoderMask,
                                                 const RunFeatures& features, double computeMs, double tokenizeMs) {
    // The next token after the last decoder position (the LM head ran there
    // when predictions were asked for).
    std::vector<PositionPredictions> predictions;
    QString predictionProblem;
    if (features.predictions) {
        const int last = static_cast<int>(run->decoderTokens.size()) - 1;
        const std::vector<int> positions{last};
        auto top = core::topPredictions(run->trace.decoder, positions, features.topK);
        if (top) {
            for (const core::PositionPrediction& p : top.value()) {
                PositionPredictions q;
                q.position = p.position;
                for (const core::TokenPrediction& t : p.top) {
                    q.top.push_back({t.id, QString::fromStdString(session.targetText(t.id)), t.probability});
                }
                predictions.push_back(std::move(q));
            }
        } else {
            predictionProblem = QString::fromStdString(top.error());
        }
    }

    auto views = std::make_shared<Seq2SeqViews>();
    views->run = run;
    for (AttentionKind kind : {AttentionKind::Encoder, AttentionKind::Decoder, AttentionKind::Cross}) {
        const bool encoder = kind == AttentionKind::Encoder;
        // Cross-attention has no statistics (they describe square self-attention).
        RunFeatures own = features;
        if (kind == AttentionKind::Cross) own.statistics = false;
        auto base = squareRun(run, defaultRun, encoder, encoder ? encoderMask : decoderMask, own);
        base->timings.totalMs = computeMs;
        auto result = std::const_pointer_cast<SessionResult>(toSessionResult(base, tokenizeMs));
        result->seq2seq = run;
        result->kind = kind;
        if (kind == AttentionKind::Cross) {
            // Rows: the decoder's tokens; columns: the source tokens.
            result->cross = std::shared_ptr<const core::AttentionBlock>(run, &run->trace.cross);
            result->colTokens = labelsOf(run->sourceTokens);
            // Cross-attention has no mask to override.
            result->requestedMask = core::MaskMode{};
        }
        result->predictionsComputed = features.predictions;
        result->predictions = predictions;
        result->predictionProblem = predictionProblem;
        views->kinds[static_cast<int>(kind)] = std::move(result);
    }
    return views;
}

core::Result<std::shared_ptr<const Seq2SeqViews>> runSeq2Seq(const core::Seq2SeqSession& session,
                                                             const SessionInput& input, core::MaskMode mask,
                                                             const std::atomic<bool>* cancel,
                                                             const RunFeatures& features,
                                                             const core::GenerateOptions& generateOptions) {
    const auto start = Clock::now();
    const bool typedIds = session.sourceTokenizer() == nullptr;
    core::Result<std::vector<core::Token>> source = [&]() -> core::Result<std::vector<core::Token>> {
        if (!typedIds) return session.sourceTokens(input.text.toStdString());
        auto ids = parseIds(input.text, "source");
        if (!ids) return ids.takeError();
        return session.sourceTokensFromIds(ids.value());
    }();
    if (!source) return source.takeError();
    if (source->empty()) return core::makeError(core::ErrorCode::InvalidInput, "the source has no tokens");
    const bool haveTarget = !input.target.trimmed().isEmpty();
    std::vector<core::Token> decoder;
    if (haveTarget) {
        auto tokens = [&]() -> core::Result<std::vector<core::Token>> {
            if (session.targetTokenizer() != nullptr) return session.decoderTokens(input.target.toStdString());
            auto ids = parseIds(input.target, "target");
            if (!ids) return ids.takeError();
            // Typed ids are the labels: shift them right as teacher forcing does.
            return session.decoderTokensFromIds(session.model().teacherForcedInput(ids.value()));
        }();
        if (!tokens) return tokens.takeError();
        decoder = std::move(tokens.value());
    }
    const double tokenizeMs = msSince(start);
    return runSeq2SeqTokens(session, source.value(), haveTarget ? std::optional(std::move(decoder)) : std::nullopt, mask,
                            mask, generateOptions, cancel, features, tokenizeMs);
}

core::Result<std::shared_ptr<const Seq2SeqViews>> runSeq2SeqTokens(const core::Seq2SeqSession& session,
                                                                   const std::vector<core::Token>& source,
                                                                   const std::optional<std::vector<core::Token>>& decoder,
                                                                   core::MaskMode encoderMask, core::MaskMode decoderMask,
                                                                   core::GenerateOptions generate,
                                                                   const std::atomic<bool>* cancel,
                                                                   const RunFeatures& features, double tokenizeMs) {
    core::Seq2SeqRunOptions options;
    options.encoderMask = encoderMask;
    options.decoderMask = decoderMask;
    options.captureScores = true;  // the head view's steps of both self-attentions
    options.captureValueNorms = true;  // value-weighted analyses of both self-attentions
    options.computeLogits = features.predictions;
    options.cancel = cancel;
    // The Explain view: the layer in each of the three attentions, so that
    // switching between them needs no new run.
    const int capture = features.captureLayer;
    if (capture >= 0 && capture < session.model().config().encoder.nLayers) options.captureEncoderLayers = {capture};
    if (capture >= 0 && capture < session.model().config().decoder.nLayers) {
        options.captureDecoderLayers = {capture};
        options.captureCrossLayers = {capture};
    }
    if (decoder && features.predictions && !decoder->empty()) {
        options.logitPositions = {static_cast<int>(decoder->size()) - 1};
    }

    const auto runStart = Clock::now();
    core::Result<std::shared_ptr<const core::Seq2SeqRunResult>> run = [&] {
        if (decoder) return session.run(source, *decoder, options);
        generate.encoderMask = encoderMask;
        generate.cancel = cancel;
        generate.candidates = features.topK;
        // Then the teacher-forced pass over the generated text (logits at
        // every position when predictions are asked for).
        return session.generate(source, generate, options);
    }();
    if (!run) return run.takeError();
    std::shared_ptr<const core::Seq2SeqRunResult> defaultRun;
    const core::Seq2SeqTrace& trace = run.value()->trace;
    if (!trace.encoder.maskIsModelDefault() || !trace.decoder.maskIsModelDefault()) {
        // The same tokens under each stack's own mask, for the difference view.
        core::Seq2SeqRunOptions own;
        own.cancel = cancel;
        auto again = session.run(run.value()->sourceTokens, run.value()->decoderTokens, own);
        if (!again) return again.takeError();
        defaultRun = std::move(again.value());
    }
    const double computeMs = msSince(runStart);
    if (cancel != nullptr && cancel->load()) return core::makeError(core::ErrorCode::Cancelled, "cancelled");
    return seq2seqViews(session, std::move(run.value()), std::move(defaultRun), encoderMask, decoderMask, features,
                        computeMs, tokenizeMs);
}

}  // namespace attnviz::ui
