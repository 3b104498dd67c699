#include "attnviz/core/attention_trace.h"

#include "attnviz/core/lazy_attention.h"

#include "attnviz/core/layer_capture.h"

#include <algorithm>
#include <limits>

namespace attnviz::core {

AttentionTrace::AttentionTrace(int nLayers, int nHeads, int seqLen, bool withScores, bool withValueNorms)
    : AttentionTrace(forOverwrite(nLayers, nHeads, seqLen, withScores, withValueNorms)) {
    std::fill(m_probs.begin(), m_probs.end(), 0.0f);
    std::fill(m_scores.begin(), m_scores.end(), 0.0f);
    std::fill(m_valueNorms.begin(), m_valueNorms.end(), 0.0f);
}

AttentionTrace AttentionTrace::forOverwrite(int nLayers, int nHeads, int seqLen, bool withScores, bool withValueNorms,
                                            int firstRow) {
    AttentionTrace t;
    t.m_nLayers = nLayers;
    t.m_nHeads = nHeads;
    t.m_seqLen = seqLen;
    t.m_firstRow = std::clamp(firstRow, 0, std::max(seqLen - 1, 0));
    const std::size_t n = static_cast<std::size_t>(nLayers) * nHeads * t.heldRows() * seqLen;
    t.m_probs.resize(n);  // OverwriteVector: sized, not written
    if (withScores) t.m_scores.resize(n);
    if (withValueNorms) t.m_valueNorms.resize(static_cast<std::size_t>(nLayers) * nHeads * seqLen);
    t.m_nonFinite.assign(static_cast<std::size_t>(nLayers) * nHeads, 0);
    return t;
}

AttentionTrace AttentionTrace::lazyFor(int nLayers, int nHeads, int seqLen, bool withValueNorms) {
    AttentionTrace t;
    t.m_nLayers = nLayers;
    t.m_nHeads = nHeads;
    t.m_seqLen = seqLen;
    if (withValueNorms) t.m_valueNorms.resize(static_cast<std::size_t>(nLayers) * nHeads * seqLen);
    t.m_nonFinite.assign(static_cast<std::size_t>(nLayers) * nHeads, 0);
    t.m_lazy = std::make_shared<LazyAttention>(nLayers, nHeads, seqLen);
    return t;
}

HeadMatrix AttentionTrace::headProbs(int layer, int head) const {
    if (m_lazy) return HeadMatrix(m_lazy->head(layer, head));
    return HeadMatrix(probs(layer, head));
}

LayerKind AttentionTrace::layerKind(int layer) const {
    if (layer < 0 || layer >= static_cast<int>(m_layerKinds.size())) return LayerKind::global();
    return m_layerKinds[static_cast<std::size_t>(layer)];
}

LayerMask AttentionTrace::layerMask(int layer) const {
    if (layer >= 0 && layer < static_cast<int>(m_layerMasks.size())) return m_layerMasks[static_cast<std::size_t>(layer)];
    const MaskMode mask = m_mask.kind == MaskMode::Kind::Default ? MaskMode::bidirectional() : m_mask;
    return resolveLayerMask(LayerKind::global(), mask, m_globalTokens);
}

void AttentionTrace::setMask(MaskMode mask) {
    m_mask = mask;
    setLayers(std::move(m_layerKinds), std::move(m_globalTokens));
}

void AttentionTrace::requestCaptures(const std::vector<int>& layers) {
    m_captureLayers = layers;
    std::sort(m_captureLayers.begin(), m_captureLayers.end());
    m_captureLayers.erase(std::unique(m_captureLayers.begin(), m_captureLayers.end()), m_captureLayers.end());
    m_captures.assign(m_captureLayers.empty() ? 0 : static_cast<std::size_t>(m_nLayers), nullptr);
}

bool AttentionTrace::capturesLayer(int layer) const {
    return std::binary_search(m_captureLayers.begin(), m_captureLayers.end(), layer);
}

const LayerCapture* AttentionTrace::capture(int layer) const {
    if (layer < 0 || layer >= static_cast<int>(m_captures.size())) return nullptr;
    return m_captures[static_cast<std::size_t>(layer)].get();
}

LayerCapture* AttentionTrace::captureFor(int layer) {
    if (!capturesLayer(layer) || layer < 0 || layer >= static_cast<int>(m_captures.size())) return nullptr;
    auto& slot = m_captures[static_cast<std::size_t>(layer)];
    if (!slot) {
        slot = std::make_shared<LayerCapture>();
        slot->layer = layer;
    }
    return slot.get();
}

void AttentionTrace::setLayers(std::vector<LayerKind> kinds, std::vector<int> globalTokens) {
    std::sort(globalTokens.begin(), globalTokens.end());
    globalTokens.erase(std::unique(globalTokens.begin(), globalTokens.end()), globalTokens.end());
    m_layerKinds = std::move(kinds);
    m_globalTokens = std::move(globalTokens);
    m_layerMasks.clear();
    for (const LayerKind& k : m_layerKinds) m_layerMasks.push_back(resolveLayerMask(k, m_mask, m_globalTokens));
}

void AttentionTrace::markNonFiniteScores(int layer, int head) {
    const std::size_t i = static_cast<std::size_t>(layer) * m_nHeads + head;
    if (i < m_nonFinite.size()) m_nonFinite[i] = 1;
}

const float* AttentionTrace::logitsAt(int position) const {
    if (vocabSize <= 0 || position < 0 || position >= m_seqLen) return nullptr;
    std::size_t row = static_cast<std::size_t>(position);
    if (!logitPositions.empty()) {
        const auto it = std::find(logitPositions.begin(), logitPositions.end(), position);
        if (it == logitPositions.end()) return nullptr;
        row = static_cast<std::size_t>(it - logitPositions.begin());
    }
    const std::size_t V = static_cast<std::size_t>(vocabSize);
    if ((row + 1) * V > logits.size()) return nullptr;
    return logits.data() + row * V;
}

std::pair<int, int> AttentionTrace::firstNonFiniteScores() const {
    for (std::size_t i = 0; i < m_nonFinite.size(); ++i) {
        if (m_nonFinite[i]) return {static_cast<int>(i / m_nHeads), static_cast<int>(i % m_nHeads)};
    }
    return {-1, -1};
}

bool AttentionTrace::hasLocalLayers() const {
    return std::any_of(m_layerKinds.begin(), m_layerKinds.end(), [](const LayerKind& k) { return k.isLocal(); });
}

float AttentionTrace::maskedScore(int layer, int head, int query, int key) const {
    if (!layerMask(layer).allows(query, key)) return -std::numeric_limits<float>::infinity();
    return rawScores(layer, head)[static_cast<std::size_t>(query - m_firstRow) * m_seqLen + key];
}

}  // namespace attnviz::core
