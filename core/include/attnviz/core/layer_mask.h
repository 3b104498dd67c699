// How far each layer lets a query look. A model's layers are global (every
// key the mask allows) or local (a window of keys around or behind the
// query); Longformer adds global tokens that see and are seen by every key.
// The user's mask override (causal / bidirectional / window:N) is combined
// with the layer's kind into one LayerMask per layer:
//
//   layer kind                causal          bidirectional        window:N
//   global                    j <= i          every key            i-N < j <= i
//   local:W (causal window)   i-W < j <= i    |i-j| < W            i-N < j <= i
//   local:W (symmetric)       i-W/2 <= j <= i |i-j| <= W/2         i-N < j <= i
//
// So an override changes the direction and keeps local layers local (with
// the same reach); window:N replaces every layer's window. Global tokens stay
// global under every override, within the override's direction.
#pragma once

#include "attnviz/core/mask_mode.h"

#include <climits>
#include <string>
#include <utility>
#include <vector>

namespace attnviz::core {

struct LayerKind {
    enum class Type { Global, Local };
    Type type = Type::Global;
    // Local: the config's window in tokens. A causal window holds the last
    // `window` keys including the query (GPT-Neo, Mistral, Gemma 2, Phi-3);
    // a symmetric one reaches window/2 keys to each side (Longformer,
    // ModernBERT).
    int window = 0;
    bool symmetric = false;

    static LayerKind global() { return {}; }
    static LayerKind causalWindow(int keys) { return {Type::Local, keys, false}; }
    static LayerKind symmetricWindow(int width) { return {Type::Local, width, true}; }
    bool isLocal() const { return type == Type::Local; }
    // "global" or "local:W".
    std::string toString() const;

    friend bool operator==(const LayerKind&, const LayerKind&) = default;
};

// The keys one layer lets each query see: the band i - before <= j <= i + after,
// plus (for Longformer) global tokens.
struct LayerMask {
    int before = INT_MAX;  // keys visible before the query
    int after = INT_MAX;   // keys visible after the query (0: causal)
    std::vector<int> globalTokens;  // sorted positions

    bool isCausal() const { return after == 0; }
    bool isGlobalToken(int position) const;
    bool inBand(int query, int key) const {
        const long long d = static_cast<long long>(key) - query;
        return d <= after && -d <= before;
    }
    bool allows(int query, int key) const {
        if (inBand(query, key)) return true;
        if (globalTokens.empty() || (isCausal() && key > query)) return false;
        return isGlobalToken(query) || isGlobalToken(key);
    }
    // The band of keys for query i, [begin, end) within seqLen keys.
    std::pair<int, int> band(int query, int seqLen) const;

    friend bool operator==(const LayerMask&, const LayerMask&) = default;
};

// `mask` must be concrete (not Default).
LayerMask resolveLayerMask(const LayerKind& kind, MaskMode mask, std::vector<int> globalTokens);

// "global", "local:4", ... one per layer.
std::vector<std::string> layerKindNames(const std::vector<LayerKind>& kinds);

}  // namespace attnviz::core
