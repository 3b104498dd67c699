#include "attnviz/core/prefix_cache.h"

#include <algorithm>
#include <numeric>

namespace attnviz::core {

int alignedRowStep(std::initializer_list<int> widths) {
    constexpr int kPacketFloats = 16;  // 64 bytes
    int g = kPacketFloats;
    for (int w : widths) {
        if (w > 0) g = std::gcd(g, w);
    }
    return kPacketFloats / g;
}

int PrefixCache::begin(std::span<const std::int32_t> ids, std::span<const std::int32_t> types, MaskMode mask,
                       int lastNeeded, int rowStep) {
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
    // NewRowsOnly: every shared row; rows past it are overwritten by the run.
    const int limit = std::min({common, T - 1, lastNeeded});
    if (m_reuse == Reuse::NewRowsOnly) m_firstRow = std::max(limit, 0);
    else if (limit <= 0) m_firstRow = 0;
    else if (limit < kExactRowsEnd) m_firstRow = limit / std::max(rowStep, 1) * std::max(rowStep, 1);
    else m_firstRow = rowBlockStart(limit);
    if (m_firstRow > 0) ++m_reusedRuns;
    if (m_reuse == Reuse::Exact) {
        for (auto& layer : m_rows) {
            for (RowMatrix& slot : layer) slot.conservativeResize(std::min<Eigen::Index>(slot.rows(), m_firstRow), slot.cols());
        }
        for (LayerNorms& n : m_norms) n.valid = std::min(n.valid, m_firstRow);
    }
    if (m_firstRow == 0) {
        m_rows.clear();
        m_norms.clear();
    }
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
    if (m_reuse == Reuse::NewRowsOnly) {
        // (room, cols): rows [0, kept) kept, the fresh ones written after them.
        const Eigen::Index need = kept + fresh.rows();
        if (all.cols() != fresh.cols()) all.resize(0, fresh.cols());  // nothing kept for this slot
        if (all.rows() < need) {
            all.conservativeResize(std::max({need, static_cast<Eigen::Index>(m_reserveRows), 2 * all.rows()}),
                                   fresh.cols());
        }
        all.middleRows(kept, fresh.rows()) = fresh;
        return all;
    }
    if (all.rows() != kept) all.resize(kept, fresh.cols());  // nothing kept for this slot
    all.conservativeResize(kept + fresh.rows(), fresh.cols());
    all.bottomRows(fresh.rows()) = fresh;
    return all;
}

namespace {
thread_local PrefixCache* t_active = nullptr;
}  // namespace

PrefixCache::ActiveScope::ActiveScope(PrefixCache* cache) : m_previous(t_active) { t_active = cache; }
PrefixCache::ActiveScope::~ActiveScope() { t_active = m_previous; }
PrefixCache* PrefixCache::active() { return t_active; }

int PrefixCache::keptNormRows(int layer) const {
    if (m_reuse != Reuse::Exact || layer < 0 || layer >= static_cast<int>(m_norms.size())) return 0;
    return std::min(m_firstRow, m_norms[static_cast<std::size_t>(layer)].valid);
}

float PrefixCache::keptNorm(int layer, int head, int row) const {
    const LayerNorms& n = m_norms[static_cast<std::size_t>(layer)];
    return n.values[static_cast<std::size_t>(head) * static_cast<std::size_t>(n.stride) + static_cast<std::size_t>(row)];
}

void PrefixCache::clear() {
    m_valid = false;
    m_ids.clear();
    m_types.clear();
    m_rows.clear();
    m_norms.clear();
    m_firstRow = 0;
}

}  // namespace attnviz::core
