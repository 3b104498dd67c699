#include "attnviz/core/attention_block.h"

namespace attnviz::core {

AttentionBlock::AttentionBlock(int nLayers, int nHeads, int rows, int cols)
    : m_nLayers(nLayers), m_nHeads(nHeads), m_rows(rows), m_cols(cols),
      m_probs(static_cast<std::size_t>(nLayers) * nHeads * rows * cols, 0.0f) {}

}  // namespace attnviz::core
