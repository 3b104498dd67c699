#include "attnviz/core/mask_mode.h"

#include <charconv>

namespace attnviz::core {

Result<MaskMode> MaskMode::parse(std::string_view text) {
    if (text == "default") return MaskMode::defaultMode();
    if (text == "causal") return MaskMode::causal();
    if (text == "bidirectional") return MaskMode::bidirectional();
    constexpr std::string_view prefix = "window:";
    if (text.substr(0, prefix.size()) == prefix) {
        const std::string_view digits = text.substr(prefix.size());
        int n = 0;
        const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
        if (ec == std::errc() && ptr == digits.data() + digits.size() && n >= 1) return MaskMode::slidingWindow(n);
        return makeError(ErrorCode::InvalidInput,
                         "invalid window size in mask '" + std::string(text) + "': expected window:N with N >= 1");
    }
    return makeError(ErrorCode::InvalidInput,
                     "unknown mask '" + std::string(text) + "': expected default, causal, bidirectional or window:N");
}

std::string MaskMode::toString() const {
    switch (kind) {
    case Kind::Default: return "default";
    case Kind::Causal: return "causal";
    case Kind::Bidirectional: return "bidirectional";
    case Kind::Window: return "window:" + std::to_string(window);
    }
    return "default";
}

}  // namespace attnviz::core
