#include "attnviz/ui/session/attention_kind.h"

namespace attnviz::ui {

QString attentionKindName(AttentionKind kind) {
    switch (kind) {
    case AttentionKind::Encoder: return QStringLiteral("encoder");
    case AttentionKind::Decoder: return QStringLiteral("decoder");
    case AttentionKind::Cross: return QStringLiteral("cross");
    }
    return {};
}

std::optional<AttentionKind> attentionKindFromName(const QString& name) {
    for (AttentionKind k : {AttentionKind::Encoder, AttentionKind::Decoder, AttentionKind::Cross}) {
        if (name.compare(attentionKindName(k), Qt::CaseInsensitive) == 0) return k;
    }
    return std::nullopt;
}

QString attentionKindTitle(AttentionKind kind) {
    switch (kind) {
    case AttentionKind::Encoder: return QStringLiteral("encoder self-attention");
    case AttentionKind::Decoder: return QStringLiteral("decoder self-attention");
    case AttentionKind::Cross: return QStringLiteral("cross-attention");
    }
    return {};
}

QString attentionKindAxes(AttentionKind kind) {
    switch (kind) {
    case AttentionKind::Encoder: return QStringLiteral("source tokens attend to source tokens");
    case AttentionKind::Decoder: return QStringLiteral("target tokens attend to earlier target tokens");
    case AttentionKind::Cross: return QStringLiteral("rows: target tokens (decoder queries) · columns: source tokens (encoder keys)");
    }
    return {};
}

}  // namespace attnviz::ui
