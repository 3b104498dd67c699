#include "attnviz/core/attention_trace.h"

namespace attnviz::core {

AttentionTrace::AttentionTrace(int nLayers, int nHeads, int seqLen, bool withScores, bool withValueNorms)
    : m_nLayers(nLayers), m_nHeads(nHeads), m_seqLen(seqLen) {
    const std::size_t n = static_cast<std::size_t>(nLayers) * nHeads * seqLen * seqLen;
    m_probs.assign(n, 0.0f);
    if (withScores) m_scores.assign(n, 0.0f);
    if (withValueNorms) m_valueNorms.assign(static_cast<std::size_t>(nLayers) * nHeads * seqLen, 0.0f);
}

}  // namespace attnviz::core
