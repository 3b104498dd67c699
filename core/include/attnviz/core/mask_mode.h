// Which keys a query may see. `Default` means "what the model was trained
// with"; a Model resolves it to one of the concrete kinds before running.
#pragma once

#include "attnviz/core/result.h"

#include <string>
#include <string_view>
#include <utility>

namespace attnviz::core {

struct MaskMode {
    enum class Kind { Default, Causal, Bidirectional, Window };

    Kind kind = Kind::Default;
    int window = 0;  // Window: keys j with i - window < j <= i (window keys incl. itself)

    static MaskMode defaultMode() { return {}; }
    static MaskMode causal() { return {Kind::Causal, 0}; }
    static MaskMode bidirectional() { return {Kind::Bidirectional, 0}; }
    static MaskMode slidingWindow(int keys) { return {Kind::Window, keys}; }

    // "default" | "causal" | "bidirectional" | "window:N"
    static Result<MaskMode> parse(std::string_view text);
    std::string toString() const;

    // For a concrete (non-default) mode: may query i attend key j?
    bool allows(int query, int key) const {
        switch (kind) {
        case Kind::Bidirectional: return true;
        case Kind::Causal: return key <= query;
        case Kind::Window: return key <= query && key > query - window;
        case Kind::Default: break;
        }
        return true;
    }

    // The keys a concrete mode lets query i see form one contiguous range
    // [begin, end) of the seqLen keys.
    std::pair<int, int> visibleKeys(int query, int seqLen) const {
        switch (kind) {
        case Kind::Causal: return {0, query + 1};
        case Kind::Window: return {query - window + 1 > 0 ? query - window + 1 : 0, query + 1};
        default: return {0, seqLen};
        }
    }

    friend bool operator==(const MaskMode&, const MaskMode&) = default;
};

}  // namespace attnviz::core
