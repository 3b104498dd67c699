// What a causal model's run keeps for the next run of the same session:
// the token ids and, per layer, the rows its attention consumed (q, k and v
// as the kernel reads them, after RoPE). A next run whose ids share a prefix
// computes the norms, projections and MLPs of the rows after it only, and
// runs attention over every row again from the kept rows plus the new ones,
// so its trace is bit-identical to a fresh run's.
//
//   PrefixCache cache;
//   RunOptions options;
//   options.prefixCache = &cache;     // Model::run reuses and refills it
//   auto first = model->run(ids, options);
//   auto second = model->run(idsWithOneMore, options);  // new rows only
//
// Not thread-safe: one run at a time may use a cache (Session hands its
// cache to one run and takes it back when the run succeeds).
//
// Generation (generateCausal) uses Reuse::NewRowsOnly: a run reuses every
// shared row (no block grid) and computes the new rows only, attention
// included (the new queries over every kept key), so a step costs one row;
// its values agree with a fresh run's within float rounding, not bit for bit.
#pragma once

#include "attnviz/core/mask_mode.h"
#include "attnviz/core/ops.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

namespace attnviz::core {

// The step of first rows that keeps every row of the matrices of a run's new
// rows (widths among `widths`) at the same offset modulo 64 bytes as in a
// fresh run: Eigen's vectorised row sums and row functions (norms,
// activations) start their packets at 64-byte boundaries, so a row's bits
// depend on that offset. 1 when every width is a multiple of 16 floats.
int alignedRowStep(std::initializer_list<int> widths);

class PrefixCache {
public:
    enum class Reuse {
        Exact,        // whole row blocks; attention over every row again (bit-identical)
        NewRowsOnly,  // every shared row; attention for the new queries only
    };
    PrefixCache() = default;
    // NewRowsOnly: room for `reserveRows` rows is taken at the first run, so
    // the rows of later runs are appended without moving the kept ones.
    explicit PrefixCache(Reuse reuse, int reserveRows = 0) : m_reuse(reuse), m_reserveRows(reserveRows) {}
    Reuse reuse() const { return m_reuse; }

    // Rows are reused in whole blocks of a fixed grid (rowBlockStart, ops.h);
    // the forward pass multiplies its rows in the same blocks
    // (RowBlockedLinear), so a row's value does not depend on how many rows a
    // run has. Below kExactRowsEnd, where every row is a block, a run starts
    // at a multiple of `rowStep`: alignedRowStep(), which keeps each row at
    // the same vector alignment as in a fresh run.
    // Starts a run of `ids` (and types) under the resolved `mask`; returns the
    // first row the run must compute (0: nothing reusable) and drops the kept
    // rows from it on. `lastNeeded`: the first row whose final hidden state
    // the run needs (its first logits position), or seqLen when none.
    int begin(std::span<const std::int32_t> ids, std::span<const std::int32_t> types, MaskMode mask,
              int lastNeeded, int rowStep);
    // The row the current run starts at (begin's answer).
    int firstRow() const { return m_firstRow; }
    // Slot `slot` of layer `layer`: the kept rows [0, firstRow) followed by
    // `fresh` (rows [firstRow, seqLen)); the whole (seqLen, cols) matrix,
    // kept for the next run. NewRowsOnly: the matrix may have more rows
    // (room reserved); rows from seqLen on mean nothing.
    const RowMatrix& extend(int layer, int slot, const RowMatrix& fresh);
    // Value norms (attention_kernel.h): how many leading rows of layer
    // `layer`'s norms the current run may take from the last one (the kept
    // rows whose norms were recorded), and head `head`'s norm of row `row`.
    int keptNormRows(int layer) const;
    float keptNorm(int layer, int head, int row) const;
    // Keeps the current run's norms of `layer`: norms(h) is head h's
    // (seqLen) array.
    template <class NormsOfHead>
    void keepNorms(int layer, int nHeads, int seqLen, NormsOfHead norms) {
        if (static_cast<int>(m_norms.size()) <= layer) m_norms.resize(static_cast<std::size_t>(layer) + 1);
        LayerNorms& kept = m_norms[static_cast<std::size_t>(layer)];
        kept.stride = kept.valid = seqLen;
        kept.values.resize(static_cast<std::size_t>(nHeads) * static_cast<std::size_t>(seqLen));  // (nHeads, seqLen)
        for (int h = 0; h < nHeads; ++h) {
            const float* n = norms(h);
            std::copy(n, n + seqLen, kept.values.begin() + static_cast<std::ptrdiff_t>(h) * seqLen);
        }
    }
    // While one lives, PrefixCache::active() on this thread is `cache`
    // (Model::run sets it for exact reuse, so that attention can take the
    // kept rows' value norms).
    class ActiveScope {
    public:
        explicit ActiveScope(PrefixCache* cache);
        ~ActiveScope();
        ActiveScope(const ActiveScope&) = delete;
        ActiveScope& operator=(const ActiveScope&) = delete;

    private:
        PrefixCache* m_previous;
    };
    static PrefixCache* active();
    // Forgets everything (a run that failed or was cancelled, or a model or
    // mask this cache cannot serve).
    void clear();
    // Runs that started past row 0, for reports (attnviz-cli bench --typing).
    int reusedRuns() const { return m_reusedRuns; }
    // Token ids kept (the last run's), for tests.
    const std::vector<std::int32_t>& ids() const { return m_ids; }

private:
    Reuse m_reuse = Reuse::Exact;
    int m_reserveRows = 0;
    std::vector<std::int32_t> m_ids;
    std::vector<std::int32_t> m_types;
    MaskMode m_mask;
    bool m_valid = false;
    int m_firstRow = 0;
    int m_reusedRuns = 0;
    std::vector<std::vector<RowMatrix>> m_rows;  // [layer][slot] (seqLen, cols)
    struct LayerNorms {
        int stride = 0;             // the run's seqLen
        int valid = 0;              // leading rows that hold for the ids kept
        std::vector<float> values;  // (nHeads, stride)
    };
    std::vector<LayerNorms> m_norms;  // [layer], empty when not recorded
};

}  // namespace attnviz::core
