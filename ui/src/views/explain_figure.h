// The drawing of the Explain view: one row of one head's attention computed
// step by step from the model's own numbers, laid out as the notes write it.
//
//   x_i                      (d_model cells)
//   q_i = x_i W_Q            (d_head cells; before and after RoPE)
//   token | k_j | q.k_j | scaled | masked | a_ij | v_j     one row per key j
//                                  sum = 1  | o_i = sum_j a_ij v_j
//   where o_i goes next: the concatenation, W_O, the residual stream
//
// Vectors are strips of cells on a diverging scale centred at 0 (one scale
// per kind of vector); every cell's value shows on hover. The k_j column can
// show q * k_j instead (bertviz's neuron view), with the dimensions sorted by
// their share of one key's score.
#pragma once

#include "attnviz/core/layer_capture.h"

#include <QRectF>
#include <QSize>
#include <QString>
#include <QStringList>

#include <cmath>
#include <vector>

class QPainter;

namespace attnviz::ui {

struct ExplainData {
    core::ExplainedRow row;
    QStringList labels;        // (keys) the tokens as shown
    // The query's token: one of `labels` in self-attention; in cross-
    // attention (cross) a decoder token, the keys being the source's.
    QString queryLabel;
    int queries = 0;           // how many rows the query can move over
    bool cross = false;
    QString modelName;
    int nHeads = 0;
    int dModel = 0;
    QString kvGroup;           // "KV head 1 (H4-H7)" for grouped-query models, else ""
    QString residualRule;      // from the capture
    double contribution = NAN;  // ||o_i W_O^h||
    double blockOutput = NAN;   // ||the attention block's output row i||
    bool valid() const { return row.keys > 0; }
};

enum class KeyColumn { Keys, Products };

struct ExplainOptions {
    KeyColumn keyColumn = KeyColumn::Keys;
    // Products only: dimensions in descending order of q_d k_jd for key
    // sortKey (-1: natural order).
    int sortKey = -1;
};

// What a point of the figure shows.
struct ExplainHit {
    enum class Part { None, Token, X, Q, QBeforeRope, K, Products, V, Output, Score, Scaled, Masked, Probability };
    Part part = Part::None;
    int key = -1;        // the row (K, V, Products, scores, Token)
    int dimension = -1;  // the column inside a strip
};

class ExplainFigure {
public:
    void setData(ExplainData data);
    const ExplainData& data() const { return m_data; }
    void setOptions(ExplainOptions options);
    const ExplainOptions& options() const { return m_options; }

    // The order the strips of the k_j column draw d_head dimensions in.
    const std::vector<int>& dimensionOrder() const { return m_order; }
    // q * k_j, (keys * headDim) row-major.
    const std::vector<float>& products() const { return m_products; }

    QString title() const;
    QString subtitle() const;
    // The natural size for `width` logical pixels (height follows the keys).
    QSize sizeFor(int width) const;
    // `exposed`: the part to paint (a window repaints what scrolled into
    // view; a long text has thousands of key rows); empty: all of it.
    void render(QPainter& painter, QSize size, QRectF exposed = {}) const;
    ExplainHit hitTest(QSize size, QPointF point) const;
    // The value under a hit, as a tooltip ("k_3[17] = 0.1234 ...").
    QString hitText(const ExplainHit& hit) const;

private:
    struct Layout;
    Layout layoutFor(QSize size) const;

    ExplainData m_data;
    ExplainOptions m_options;
    std::vector<int> m_order;
    std::vector<float> m_products;
};

}  // namespace attnviz::ui
