// Layer kinds as a trace file spells them: "global", "local:W" (a causal
// window of W keys including the query) and "symmetric:W" (W/2 keys to each
// side).
#pragma once

#include "attnviz/core/layer_mask.h"

#include <optional>
#include <string>
#include <string_view>

namespace attnviz::core {

std::string traceLayerKindName(const LayerKind& kind);
// nullopt when `text` is none of the forms above (W from 1 to 2^30).
std::optional<LayerKind> parseTraceLayerKind(std::string_view text);

}  // namespace attnviz::core
