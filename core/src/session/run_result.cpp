#include "attnviz/core/run_result.h"

namespace attnviz::core {

std::vector<std::int32_t> RunResult::ids() const {
    std::vector<std::int32_t> out;
    out.reserve(tokens.size());
    for (const Token& t : tokens) out.push_back(t.id);
    return out;
}

std::vector<std::string> RunResult::displayTexts() const {
    std::vector<std::string> out;
    out.reserve(tokens.size());
    for (const Token& t : tokens) out.push_back(t.display);
    return out;
}

bool RunResult::hasSpecialTokens() const {
    for (const Token& t : tokens) {
        if (t.special) return true;
    }
    return false;
}

std::vector<int> RunResult::visibleTokens(bool hideSpecial) const {
    std::vector<int> out;
    for (int i = 0; i < tokenCount(); ++i) {
        if (!hideSpecial || !tokens[static_cast<std::size_t>(i)].special) out.push_back(i);
    }
    if (out.empty()) {
        for (int i = 0; i < tokenCount(); ++i) out.push_back(i);
    }
    return out;
}

}  // namespace attnviz::core
