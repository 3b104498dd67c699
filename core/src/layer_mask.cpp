#include "attnviz/core/layer_mask.h"

#include <algorithm>

namespace attnviz::core {

std::string LayerKind::toString() const {
    return type == Type::Global ? std::string("global") : "local:" + std::to_string(window);
}

bool LayerMask::isGlobalToken(int position) const {
    return std::binary_search(globalTokens.begin(), globalTokens.end(), position);
}

std::pair<int, int> LayerMask::band(int query, int seqLen) const {
    const long long begin = std::max(0LL, static_cast<long long>(query) - before);
    const long long end = std::min(static_cast<long long>(seqLen), static_cast<long long>(query) + after + 1);
    return {static_cast<int>(begin), static_cast<int>(std::max(begin, end))};
}

LayerMask resolveLayerMask(const LayerKind& kind, MaskMode mask, std::vector<int> globalTokens) {
    std::sort(globalTokens.begin(), globalTokens.end());
    globalTokens.erase(std::unique(globalTokens.begin(), globalTokens.end()), globalTokens.end());
    LayerMask m;
    m.globalTokens = std::move(globalTokens);
    // How far the layer reaches to each side when it is local.
    int reach = INT_MAX;
    if (kind.isLocal()) reach = kind.symmetric ? kind.window / 2 : kind.window - 1;
    switch (mask.kind) {
    case MaskMode::Kind::Window:
        m.before = mask.window - 1;
        m.after = 0;
        break;
    case MaskMode::Kind::Causal:
        m.before = reach;
        m.after = 0;
        break;
    case MaskMode::Kind::Bidirectional:
    case MaskMode::Kind::Default:
        m.before = reach;
        m.after = reach;
        break;
    }
    return m;
}

std::vector<std::string> layerKindNames(const std::vector<LayerKind>& kinds) {
    std::vector<std::string> names;
    names.reserve(kinds.size());
    for (const LayerKind& k : kinds) names.push_back(k.toString());
    return names;
}

}  // namespace attnviz::core
