#include "attnviz/core/attention_trace.h"

#include <algorithm>
#include <limits>

namespace attnviz::core {

AttentionTrace::AttentionTrace(int nLayers, int nHeads, int seqLen, bool withScores, bool withValueNorms)
    : AttentionTrace(forOverwrite(nLayers, nHeads, seqLen, withScores, withValueNorms)) {
    std::fill(m_probs.begin(), m_probs.end(), 0.0f);
    std::fill(m_scores.begin(), m_scores.end(), 0.0f);
    std::fill(m_valueNorms.begin(), m_valueNorms.end(), 0.0f);
}

AttentionTrace AttentionTrace::forOverwrite(int nLayers, int nHeads, int seqLen, bool withScores, bool withValueNorms) {
    AttentionTrace t;
    t.m_nLayers = nLayers;
    t.m_nHeads = nHeads;
    t.m_seqLen = seqLen;
    const std::size_t n = static_cast<std::size_t>(nLayers) * nHeads * seqLen * seqLen;
    t.m_probs.resize(n);  // OverwriteVector: sized, not written
    if (withScores) t.m_scores.resize(n);
    if (withValueNorms) t.m_valueNorms.resize(static_cast<std::size_t>(nLayers) * nHeads * seqLen);
    return t;
}

float AttentionTrace::maskedScore(int layer, int head, int query, int key) const {
    if (!m_mask.allows(query, key)) return -std::numeric_limits<float>::infinity();
    return rawScores(layer, head)[static_cast<std::size_t>(query) * m_seqLen + key];
}

}  // namespace attnviz::core
