#include "attnviz/ui/session/session_result.h"

#include <climits>

namespace attnviz::ui {

std::shared_ptr<const SessionResult> toSessionResult(std::shared_ptr<const core::RunResult> run, double tokenizeMs) {
    auto out = std::make_shared<SessionResult>();
    const core::RunResult& r = *run;
    out->model = r.model;
    out->modelName = QString::fromStdString(r.model ? r.model->name() : r.modelName);
    out->modelType = QString::fromStdString(r.model ? r.model->config().modelType : r.modelType);
    out->requestedMask = r.requestedMask;
    out->defaultMask = r.defaultMask;
    out->trace = r.trace;
    out->defaultTrace = r.defaultTrace;
    for (const core::Token& t : r.tokens) out->tokens.push_back({QString::fromStdString(t.display), t.special, t.id});
    out->computeMs = r.timings.totalMs;
    out->tokenizeMs = tokenizeMs;
    out->headStats = r.headStats;
    out->induction = r.induction;
    out->inductionProblem = QString::fromStdString(r.inductionProblem);
    out->predictionsComputed = r.predictionsComputed;
    out->maskedLm = r.maskedLm;
    out->maskToken = QString::fromStdString(r.maskToken);
    for (const core::PositionPredictions& p : r.predictions) {
        PositionPredictions q;
        q.position = p.position;
        for (const core::PredictedToken& t : p.top) q.top.push_back({t.id, QString::fromStdString(t.text), t.probability});
        out->predictions.push_back(std::move(q));
    }
    out->predictionProblem = QString::fromStdString(r.predictionProblem);
    out->predictionNeedsMask = r.predictionNeedsMask;
    out->run = std::move(run);
    return out;
}

QString maskLabel(core::MaskMode mask) {
    switch (mask.kind) {
    case core::MaskMode::Kind::Causal: return QStringLiteral("causal");
    case core::MaskMode::Kind::Bidirectional: return QStringLiteral("bidirectional");
    case core::MaskMode::Kind::Window: return QStringLiteral("sliding window %1").arg(mask.window);
    case core::MaskMode::Kind::Default: return QStringLiteral("model default");
    }
    return {};
}

bool SessionResult::hasSpecialTokens() const { return run->hasSpecialTokens(); }

std::vector<int> SessionResult::visibleTokens(bool hideSpecial) const { return run->visibleTokens(hideSpecial); }

QStringList SessionResult::labels(const std::vector<int>& indices) const {
    QStringList out;
    for (int i : indices) out << tokens[i].text;
    return out;
}

std::vector<int> SessionResult::visibleColTokens(bool hideSpecial) const {
    if (!cross) return visibleTokens(hideSpecial);
    std::vector<int> out;
    for (int i = 0; i < static_cast<int>(colTokens.size()); ++i) {
        if (!hideSpecial || !colTokens[i].special) out.push_back(i);
    }
    if (out.empty()) {
        for (int i = 0; i < static_cast<int>(colTokens.size()); ++i) out.push_back(i);
    }
    return out;
}

QStringList SessionResult::colLabels(const std::vector<int>& indices) const {
    if (!cross) return labels(indices);
    QStringList out;
    for (int i : indices) out << colTokens[i].text;
    return out;
}

const core::LayerCapture* SessionResult::capture(int layer) const {
    if (!isCross()) return trace->capture(layer);
    return seq2seq ? seq2seq->trace.crossCapture(layer) : nullptr;
}

QString SessionResult::kindPrefix() const {
    return kind ? attentionKindTitle(*kind) + QStringLiteral(" \u00b7 ") : QString();
}

QString SessionResult::maskDescription() const {
    if (cross) return QStringLiteral("none (every target token sees every source token)");
    const QString used = maskLabel(trace->mask());
    if (maskIsDefault()) return QStringLiteral("%1 (the model's own mask)").arg(used);
    return QStringLiteral("%1: NOT the mask this model was trained with (%2)").arg(used, maskLabel(defaultMask));
}

QString SessionResult::maskShortText() const {
    if (cross) return QStringLiteral("none (cross-attention)");
    const QString used = maskLabel(trace->mask());
    if (maskIsDefault()) return used;
    return QStringLiteral("%1 (not the model's %2)").arg(used, maskLabel(defaultMask));
}

bool SessionResult::layersDiffer() const { return trace->hasLocalLayers() || !trace->globalTokens().empty(); }

QString SessionResult::layerKindShort(int layer) const {
    const core::LayerKind kind = trace->layerKind(layer);
    QString text = kind.isLocal() ? QStringLiteral("local %1").arg(kind.window) : QStringLiteral("global");
    if (!trace->globalTokens().empty()) text += QStringLiteral(" +g");
    return text;
}

QString SessionResult::layerDescription(int layer) const {
    const core::LayerKind kind = trace->layerKind(layer);
    const core::LayerMask mask = trace->layerMask(layer);
    auto reach = [](int n, QChar sign) {
        if (n == INT_MAX) return sign == u'\u2212' ? QStringLiteral("0") : QStringLiteral("T\u22121");
        return n == 0 ? QStringLiteral("i") : QStringLiteral("i%1%2").arg(sign).arg(n);
    };
    QString text = QStringLiteral("layer %1: ").arg(layer);
    text += kind.isLocal() ? QStringLiteral("local window %1").arg(kind.window) : QStringLiteral("global");
    text += QStringLiteral(", query i sees keys %1\u2009\u2026\u2009%2")
                .arg(reach(mask.before, u'\u2212'), reach(mask.after, u'+'));
    if (!mask.globalTokens.empty()) {
        QStringList positions;
        for (int g : mask.globalTokens) positions << QString::number(g);
        text += QStringLiteral(" + global tokens %1").arg(positions.join(QStringLiteral(", ")));
    }
    return text;
}

}  // namespace attnviz::ui
