#include "attnviz/core/attention_trace.h"

#include <limits>

namespace attnviz::core {

AttentionTrace::AttentionTrace(int nLayers, int nHeads, int seqLen, bool withScores, bool withValueNorms)
    : m_nLayers(nLayers), m_nHeads(nHeads), m_seqLen(seqLen) {
    const std::size_t n = static_cast<std::size_t>(nLayers) * nHeads * seqLen * seqLen;
    m_probs.assign(n, 0.0f);
    if (withScores) m_scores.assign(n, 0.0f);
    if (withValueNorms) m_valueNorms.assign(static_cast<std::size_t>(nLayers) * nHeads * seqLen, 0.0f);
}

float AttentionTrace::maskedScore(int layer, int head, int query, int key) const {
    if (!m_mask.allows(query, key)) return -std::numeric_limits<float>::infinity();
    return rawScores(layer, head)[static_cast<std::size_t>(query) * m_seqLen + key];
}

}  // namespace attnviz::core
