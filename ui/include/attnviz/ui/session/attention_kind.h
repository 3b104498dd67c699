// Which attention of an encoder-decoder run the views show: the encoder's
// self-attention over the source, the decoder's (causal) self-attention over
// the decoder input, or the decoder's cross-attention from target to source.
#pragma once

#include <QString>

#include <optional>

namespace attnviz::ui {

enum class AttentionKind { Encoder, Decoder, Cross };

inline constexpr int kAttentionKindCount = 3;

// "encoder", "decoder", "cross" (settings, the CLI's --attention).
QString attentionKindName(AttentionKind kind);
std::optional<AttentionKind> attentionKindFromName(const QString& name);
// "encoder self-attention", "decoder self-attention", "cross-attention".
QString attentionKindTitle(AttentionKind kind);
// What the rows and columns of its matrices are.
QString attentionKindAxes(AttentionKind kind);

}  // namespace attnviz::ui
