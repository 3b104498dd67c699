#include "attnviz/core/prefix_cache.h"

#include <algorithm>

namespace attnviz::core {

int PrefixCache::begin(std::span<const std::int32_t> ids, std::span<const std::int32_t> types, MaskMode mask,
                       int lastNeeded) {
    const int T = static_cast<int>(ids.size());
    int common = 0;
    if (m_valid && mask == m_mask && std::equal(types.begin(), types.end(), m_types.begin(), m_types.end())) {
        const int kept = static_cast<int>(m_ids.size());
        while (common < std::min(kept, T) && m_ids[static_cast<std::size_t>(common)] == ids[static_cast<std::size_t>(common)]) {
            ++common;
        }
    }
    // Whole blocks only (a row of a shorter last block was multiplied in a
    // call of another size), at least one new row, and every row whose
    // hidden state the run needs computed again.
    const int limit = std::min({common, T - 1, lastNeeded});
    m_firstRow = limit <= 0 ? 0 : rowBlockStart(limit);
    if (m_firstRow > 0) ++m_reusedRuns;
    for (auto& layer : m_rows) {
        for (RowMatrix& slot : layer) slot.conservativeResize(std::min<Eigen::Index>(slot.rows(), m_firstRow), slot.cols());
    }
    if (m_firstRow == 0) m_rows.clear();
    m_ids.assign(ids.begin(), ids.end());
    m_types.assign(types.begin(), types.end());
    m_mask = mask;
    m_valid = true;
    return m_firstRow;
}

const RowMatrix& PrefixCache::extend(int layer, int slot, const RowMatrix& fresh) {
    if (static_cast<int>(m_rows.size()) <= layer) m_rows.resize(static_cast<std::size_t>(layer) + 1);
    std::vector<RowMatrix>& slots = m_rows[static_cast<std::size_t>(layer)];
    if (static_cast<int>(slots.size()) <= slot) slots.resize(static_cast<std::size_t>(slot) + 1);
    RowMatrix& all = slots[static_cast<std::size_t>(slot)];  // (seqLen, cols)
    const Eigen::Index kept = m_firstRow;
    if (all.rows() != kept) all.resize(kept, fresh.cols());  // nothing kept for this slot
    all.conservativeResize(kept + fresh.rows(), fresh.cols());
    all.bottomRows(fresh.rows()) = fresh;
    return all;
}

void PrefixCache::clear() {
    m_valid = false;
    m_ids.clear();
    m_types.clear();
    m_rows.clear();
    m_firstRow = 0;
}

}  // namespace attnviz::core
