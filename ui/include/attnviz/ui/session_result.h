// What the views draw: one run's trace (plus the same tokens under the
// model's own mask, for the difference view) and the token labels.
#pragma once

#include "attnviz/core/attention_trace.h"
#include "attnviz/core/mask_mode.h"
#include "attnviz/core/model.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <memory>
#include <vector>

namespace attnviz::ui {

struct TokenLabel {
    QString text;          // display form ("␣cat", "<s>", "#42" when typed as an id)
    bool special = false;  // [CLS], <s>, ...
    std::int32_t id = 0;
};

struct SessionResult {
    std::shared_ptr<const core::Model> model;  // the model that produced the trace
    QString modelName;
    QString modelType;
    core::MaskMode requestedMask;  // as asked (may be Default)
    core::MaskMode defaultMask;    // the mask the model was trained with
    std::shared_ptr<const core::AttentionTrace> trace;         // with scores
    std::shared_ptr<const core::AttentionTrace> defaultTrace;  // == trace when the mask is the default
    std::vector<TokenLabel> tokens;
    double computeMs = 0;

    int tokenCount() const { return static_cast<int>(tokens.size()); }
    bool maskIsDefault() const { return trace->maskIsModelDefault(); }
    bool hasSpecialTokens() const;

    // The token indices the views show: all, or all but the special ones
    // (all when nothing else would remain).
    std::vector<int> visibleTokens(bool hideSpecial) const;
    QStringList labels(const std::vector<int>& indices) const;

    // "causal (the model's own mask)" or "bidirectional: NOT the mask this
    // model was trained with (causal)".
    QString maskDescription() const;
    QString maskShortText() const;  // "causal" / "bidirectional (not the model's causal)"
};

// A readable name of a concrete mask: "causal", "bidirectional", "sliding window 4".
QString maskLabel(core::MaskMode mask);

}  // namespace attnviz::ui
