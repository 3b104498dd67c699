#include "trace_layer_kind.h"

#include <charconv>

namespace attnviz::core {

std::string traceLayerKindName(const LayerKind& kind) {
    if (!kind.isLocal()) return "global";
    return (kind.symmetric ? "symmetric:" : "local:") + std::to_string(kind.window);
}

std::optional<LayerKind> parseTraceLayerKind(std::string_view text) {
    if (text == "global") return LayerKind::global();
    bool symmetric = false;
    std::string_view digits;
    if (text.starts_with("local:")) {
        digits = text.substr(6);
    } else if (text.starts_with("symmetric:")) {
        symmetric = true;
        digits = text.substr(10);
    } else {
        return std::nullopt;
    }
    int w = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), w);
    if (ec != std::errc() || ptr != digits.data() + digits.size() || w < 1 || w > (1 << 30)) return std::nullopt;
    return symmetric ? LayerKind::symmetricWindow(w) : LayerKind::causalWindow(w);
}

}  // namespace attnviz::core
