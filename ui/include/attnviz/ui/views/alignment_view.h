// The translation-alignment picture of an encoder-decoder run: the source
// tokens in a row at the top, the target (decoder input) tokens in a row at
// the bottom, joined by lines whose width and opacity follow the
// cross-attention weight of one head, of the mean over a layer's heads, or
// of the mean over every layer and head. Links below a threshold are
// hidden; hovering a token highlights its links and lists their weights.
// Long sequences turn the labels upright and scroll sideways.
//
//   auto* view = new AlignmentView;
//   view->setRun(*seq2seqRunResult);                    // or setData(...)
//   view->setChoice({AlignmentChoice::Kind::Head, 1, 3});
//   exportPaintedFigure(*view, "alignment.png", ExportFormat::Png);
#pragma once

#include "attnviz/core/attention_block.h"
#include "attnviz/ui/export/painted_figure.h"
#include "attnviz/ui/plot/matrix.h"

#include <QStringList>
#include <QWidget>

#include <memory>
#include <vector>

class QComboBox;
class QLabel;
class QScrollArea;
class QSlider;
class QSpinBox;

namespace attnviz::core {
struct Seq2SeqRunResult;
}

namespace attnviz::ui {

// Which cross-attention weights the lines show.
struct AlignmentChoice {
    enum class Kind { Head, LayerMean, AllMean };
    Kind kind = Kind::LayerMean;
    int layer = 0;  // Head, LayerMean
    int head = 0;   // Head
    bool operator==(const AlignmentChoice&) const = default;
};

// What the view draws: the cross-attention block and both token rows.
struct AlignmentData {
    QStringList sourceLabels;                           // S encoder tokens
    QStringList targetLabels;                           // T decoder input tokens
    std::shared_ptr<const core::AttentionBlock> cross;  // (L, H, T, S)
};

// One line of the picture: target token `target` attends to source token
// `source` with `weight`.
struct AlignmentLink {
    int target = 0;
    int source = 0;
    float weight = 0.0f;
};

// The (T, S) weights of `choice`: one head's probabilities, or the
// arithmetic mean over the heads of a layer, or over all layers and heads.
Matrix alignmentWeights(const core::AttentionBlock& cross, const AlignmentChoice& choice);
// "layer 2, head 5", "mean of layer 2's 8 heads", "mean of all 6 x 8 heads".
QString alignmentChoiceText(const AlignmentChoice& choice, int nLayers, int nHeads);

class AlignmentCanvas;

class AlignmentView : public QWidget, public PaintedFigure {
    Q_OBJECT

public:
    explicit AlignmentView(QWidget* parent = nullptr);
    ~AlignmentView() override;

    // The cross-attention of a run, labelled with its source and decoder tokens.
    void setRun(const core::Seq2SeqRunResult& run);
    void setData(AlignmentData data);
    const AlignmentData& data() const { return m_data; }
    // Clamped to the block's layers and heads.
    void setChoice(const AlignmentChoice& choice);
    const AlignmentChoice& choice() const { return m_choice; }
    // Links whose weight is below `threshold` (0..1) are hidden.
    void setThreshold(float threshold);
    float threshold() const { return m_threshold; }

    // The (T, S) weights drawn (empty without data).
    const Matrix& weights() const { return m_weights; }
    // Every link at or above the threshold, target-major.
    std::vector<AlignmentLink> visibleLinks() const;
    // Highlights a token's links as hovering it does (index -1: none) and
    // returns the text shown for it.
    enum class Side { Source, Target };
    QString hoverToken(Side side, int index);

    // PaintedFigure: the picture without the controls.
    QString figureTitle() const override;
    QSize figureSize() const override;
    void render(QPainter& painter, QSize size) const override;
    QString exportProblem() const override;

signals:
    void choiceChanged(const attnviz::ui::AlignmentChoice& choice);
    void thresholdChanged(float threshold);
    // What is under the mouse, for a status line ("" when nothing).
    void hoverText(const QString& text);

private:
    friend class AlignmentCanvas;
    void recompute();
    void syncControls();
    QString subtitle() const;

    AlignmentData m_data;
    AlignmentChoice m_choice;
    float m_threshold = 0.05f;
    Matrix m_weights;  // (T, S)
    Side m_hoverSide = Side::Source;
    int m_hoverIndex = -1;

    QComboBox* m_kind = nullptr;
    QSpinBox* m_layer = nullptr;
    QSpinBox* m_head = nullptr;
    QSlider* m_slider = nullptr;
    QLabel* m_thresholdLabel = nullptr;
    QLabel* m_status = nullptr;
    QScrollArea* m_scroll = nullptr;
    AlignmentCanvas* m_canvas = nullptr;
};

}  // namespace attnviz::ui
