#include "attnviz/ui/views/analysis_kind.h"

#include "attnviz/core/aggregates.h"
#include "attnviz/core/attention_flow.h"
#include "attnviz/core/rollout.h"
#include "attnviz/core/value_weighted.h"

namespace attnviz::ui {
namespace {

Matrix fromCore(const core::RowMatrix& m) {
    Matrix out(static_cast<int>(m.rows()), static_cast<int>(m.cols()));
    for (int i = 0; i < out.rows(); ++i) {
        for (int j = 0; j < out.cols(); ++j) out.at(i, j) = m(i, j);
    }
    return out;
}

}  // namespace

QString toQString(std::string_view text) { return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size())); }

QString wrapToolTip(const QString& text, int maxChars) {
    QStringList out;
    for (const QString& paragraph : text.split(QLatin1Char('\n'))) {
        QString line;
        for (const QString& word : paragraph.split(QLatin1Char(' '))) {
            if (!line.isEmpty() && line.size() + 1 + word.size() > maxChars) {
                out << line;
                line = word;
            } else {
                line = line.isEmpty() ? word : line + QLatin1Char(' ') + word;
            }
        }
        out << line;
    }
    return out.join(QLatin1Char('\n'));
}

QString analysisKindName(AnalysisKind kind) {
    switch (kind) {
    case AnalysisKind::MeanOverHeads: return QStringLiteral("mean-heads");
    case AnalysisKind::MaxOverHeads: return QStringLiteral("max-heads");
    case AnalysisKind::MeanOverLayers: return QStringLiteral("mean-layers");
    case AnalysisKind::Rollout: return QStringLiteral("rollout");
    case AnalysisKind::Flow: return QStringLiteral("flow");
    case AnalysisKind::ValueNorms: return QStringLiteral("value-norms");
    case AnalysisKind::ValueNormsNormalized: return QStringLiteral("value-norms-normalized");
    }
    return {};
}

std::optional<AnalysisKind> analysisKindFromName(const QString& name) {
    for (AnalysisKind k : kAllAnalysisKinds) {
        if (analysisKindName(k) == name) return k;
    }
    return std::nullopt;
}

QStringList analysisKindNames() {
    QStringList names;
    for (AnalysisKind k : kAllAnalysisKinds) names << analysisKindName(k);
    return names;
}

QString analysisKindLabel(AnalysisKind kind) {
    switch (kind) {
    case AnalysisKind::MeanOverHeads: return QStringLiteral("Mean over heads");
    case AnalysisKind::MaxOverHeads: return QStringLiteral("Max over heads");
    case AnalysisKind::MeanOverLayers: return QStringLiteral("Mean over layers");
    case AnalysisKind::Rollout: return QStringLiteral("Attention rollout");
    case AnalysisKind::Flow: return QStringLiteral("Attention flow");
    case AnalysisKind::ValueNorms: return QStringLiteral("Value-weighted norms");
    case AnalysisKind::ValueNormsNormalized: return QStringLiteral("Value-weighted norms, row-normalised");
    }
    return {};
}

QString analysisFormula(AnalysisKind kind) {
    switch (kind) {
    case AnalysisKind::MeanOverHeads: return toQString(core::kMeanOverHeadsFormula);
    case AnalysisKind::MaxOverHeads: return toQString(core::kMaxOverHeadsFormula);
    case AnalysisKind::MeanOverLayers: return toQString(core::kMeanOverLayersFormula);
    case AnalysisKind::Rollout: return toQString(core::kRolloutFormula);
    case AnalysisKind::Flow: return toQString(core::kAttentionFlowFormula);
    case AnalysisKind::ValueNorms: return toQString(core::kValueWeightedFormula);
    case AnalysisKind::ValueNormsNormalized: return toQString(core::kValueWeightedNormalizedFormula);
    }
    return {};
}

QString analysisValueName(AnalysisKind kind) {
    switch (kind) {
    case AnalysisKind::MeanOverHeads: return QStringLiteral("mean attention");
    case AnalysisKind::MaxOverHeads: return QStringLiteral("max attention");
    case AnalysisKind::MeanOverLayers: return QStringLiteral("mean attention");
    case AnalysisKind::Rollout: return QStringLiteral("rollout");
    case AnalysisKind::Flow: return QStringLiteral("share of flow");
    case AnalysisKind::ValueNorms: return QStringLiteral("\u2016a\u00b7f(x)\u2016");
    case AnalysisKind::ValueNormsNormalized: return QStringLiteral("share of row");
    }
    return {};
}

bool analysisUsesLayer(AnalysisKind kind) { return kind != AnalysisKind::MeanOverLayers; }

bool analysisUsesHead(AnalysisKind kind) {
    return kind == AnalysisKind::ValueNorms || kind == AnalysisKind::ValueNormsNormalized;
}

bool analysisChainsLayers(AnalysisKind kind) { return kind == AnalysisKind::Rollout || kind == AnalysisKind::Flow; }

bool analysisIsBounded(AnalysisKind kind) { return kind != AnalysisKind::ValueNorms; }

bool analysisRowsSumToOne(AnalysisKind kind) {
    return kind != AnalysisKind::ValueNorms && kind != AnalysisKind::MaxOverHeads;
}

core::Result<Matrix> analysisMatrix(const core::AttentionTrace& trace, AnalysisKind kind, HeadRef head,
                                    const core::AnalysisControl& control) {
    if (trace.nLayers() == 0 || trace.seqLen() == 0) {
        return core::makeError(core::ErrorCode::InvalidInput, "the run is empty");
    }
    if (analysisUsesLayer(kind) && (head.layer < 0 || head.layer >= trace.nLayers())) {
        return core::makeError(core::ErrorCode::InvalidInput, "layer " + std::to_string(head.layer) +
                                                                  " is outside 0.." +
                                                                  std::to_string(trace.nLayers() - 1));
    }
    switch (kind) {
    case AnalysisKind::MeanOverHeads: return fromCore(core::meanOverHeads(trace, head.layer, control));
    case AnalysisKind::MaxOverHeads: return fromCore(core::maxOverHeads(trace, head.layer, control));
    case AnalysisKind::MeanOverLayers: return fromCore(core::meanOverLayers(trace, control));
    case AnalysisKind::Rollout: return fromCore(core::attentionRollout(trace, head.layer, control));
    case AnalysisKind::Flow: {
        auto flow = core::attentionFlow(trace, head.layer, control);
        if (!flow) return flow.takeError();
        return fromCore(*flow);
    }
    case AnalysisKind::ValueNorms:
    case AnalysisKind::ValueNormsNormalized: {
        if (head.head < 0 || head.head >= trace.nHeads()) {
            return core::makeError(core::ErrorCode::InvalidInput,
                                   "value-weighted norms belong to one head: pick a head (H0..H" +
                                       std::to_string(trace.nHeads() - 1) + "), not the layer mean");
        }
        auto m = kind == AnalysisKind::ValueNorms ? core::valueWeightedNorms(trace, head.layer, head.head)
                                                  : core::valueWeightedNormsNormalized(trace, head.layer, head.head);
        if (!m) return m.takeError();
        return fromCore(*m);
    }
    }
    return core::makeError(core::ErrorCode::Internal, "unknown aggregate");
}

}  // namespace attnviz::ui
