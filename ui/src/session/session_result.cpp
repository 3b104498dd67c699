#include "attnviz/ui/session/session_result.h"

namespace attnviz::ui {

QString maskLabel(core::MaskMode mask) {
    switch (mask.kind) {
    case core::MaskMode::Kind::Causal: return QStringLiteral("causal");
    case core::MaskMode::Kind::Bidirectional: return QStringLiteral("bidirectional");
    case core::MaskMode::Kind::Window: return QStringLiteral("sliding window %1").arg(mask.window);
    case core::MaskMode::Kind::Default: return QStringLiteral("model default");
    }
    return {};
}

bool SessionResult::hasSpecialTokens() const {
    for (const TokenLabel& t : tokens) {
        if (t.special) return true;
    }
    return false;
}

std::vector<int> SessionResult::visibleTokens(bool hideSpecial) const {
    std::vector<int> out;
    for (int i = 0; i < tokenCount(); ++i) {
        if (!hideSpecial || !tokens[i].special) out.push_back(i);
    }
    if (out.empty()) {
        for (int i = 0; i < tokenCount(); ++i) out.push_back(i);
    }
    return out;
}

QStringList SessionResult::labels(const std::vector<int>& indices) const {
    QStringList out;
    for (int i : indices) out << tokens[i].text;
    return out;
}

QString SessionResult::maskDescription() const {
    const QString used = maskLabel(trace->mask());
    if (maskIsDefault()) return QStringLiteral("%1 (the model's own mask)").arg(used);
    return QStringLiteral("%1: NOT the mask this model was trained with (%2)").arg(used, maskLabel(defaultMask));
}

QString SessionResult::maskShortText() const {
    const QString used = maskLabel(trace->mask());
    if (maskIsDefault()) return used;
    return QStringLiteral("%1 (not the model's %2)").arg(used, maskLabel(defaultMask));
}

}  // namespace attnviz::ui
