// A generation step by step: the generated text as clickable tokens, a step
// slider (Left/Right keys too), and for the chosen step the attention row of
// the query that produced the token in every head (one row per layer and
// head over the positions so far), its cross-attention row over the source
// for encoder-decoder models, and the most probable candidates.
// Generation itself runs in the caller: setGenerating() shows progress and a
// Cancel button (cancelRequested(); Esc too while generating),
// setGeneration() shows the result.
//
//   auto* timeline = new GenerationTimeline;
//   timeline->setGeneration(timelineFromSeq2Seq(*run.generation, sourceLabels, textOf));
//   connect(timeline, &GenerationTimeline::stepChosen, ...);   // (step, query row)
#pragma once

#include "attnviz/core/attention_block.h"
#include "attnviz/core/generation.h"
#include "attnviz/ui/export/painted_figure.h"
#include "attnviz/ui/plot/matrix.h"

#include <QStringList>
#include <QWidget>

#include <cstdint>
#include <functional>
#include <vector>

class QLabel;
class QListWidget;
class QPushButton;
class QSlider;
class QTableWidget;

namespace attnviz::core {
struct Seq2SeqGeneration;
}

namespace attnviz::ui {

struct TimelineCandidate {
    std::int32_t id = 0;
    QString text;
    float probability = 0.0f;
    float logit = 0.0f;
};

struct TimelineStep {
    std::int32_t id = 0;  // the emitted token
    QString text;
    int queryRow = 0;     // the query's row in the full self-attention heatmap
    std::vector<TimelineCandidate> top;  // most probable first
    core::AttentionBlock self;   // (L, H, 1, queryRow + 1)
    core::AttentionBlock cross;  // (L, H, 1, S); empty for decoder-only models
};

struct TimelineData {
    bool encoderDecoder = false;
    QStringList positionLabels;  // every position of the sequence (prompt or start token, then the generated ones)
    int promptLength = 0;        // positions before the first generated token
    QStringList sourceLabels;    // encoder tokens (encoder-decoder only)
    std::vector<TimelineStep> steps;
    bool stoppedAtEos = false;
};

using TokenTextFn = std::function<QString(std::int32_t)>;

// Step s of an encoder-decoder generation is decoder position s (the start
// token is position 0); `sourceLabels` names the encoder's tokens.
TimelineData timelineFromSeq2Seq(const core::Seq2SeqGeneration& generation, const QStringList& sourceLabels,
                                 const TokenTextFn& tokenText);
// Step s of a decoder-only generation is position promptLength - 1 + s.
TimelineData timelineFromCausal(const core::CausalGeneration& generation, const TokenTextFn& tokenText);

// (L * H, cols): row layer * H + head of one query row per (layer, head).
Matrix stepRows(const core::AttentionBlock& block);

class StepRowsWidget;

class GenerationTimeline : public QWidget, public PaintedFigure {
    Q_OBJECT

public:
    explicit GenerationTimeline(QWidget* parent = nullptr);
    ~GenerationTimeline() override;

    // Shows `data` at its first step.
    void setGeneration(TimelineData data);
    void clear();
    const TimelineData& generation() const { return m_data; }
    // While the caller generates: "Generating… done / total" and Cancel
    // (Esc in the window).
    void setGenerating(bool generating, int done = 0, int total = 0);
    bool isGenerating() const { return m_generating; }

    int stepCount() const { return static_cast<int>(m_data.steps.size()); }
    int step() const { return m_step; }
    // Shows step `step` (clamped) and emits stepChosen.
    void setStep(int step);

    // What the chosen step shows: (L * H, n) self rows and (L * H, S) cross rows.
    const Matrix& shownSelfRows() const;
    const Matrix& shownCrossRows() const;
    QSlider* stepSlider() const { return m_slider; }
    QListWidget* tokenList() const { return m_tokens; }
    QTableWidget* candidateTable() const { return m_candidates; }

    // PaintedFigure: the timeline as on screen (tokens, slider, the chosen
    // step's rows and candidates) under a title naming the step.
    using QWidget::render;
    QString figureTitle() const override;
    QSize figureSize() const override;
    void render(QPainter& painter, QSize size) const override;
    QString exportProblem() const override;

signals:
    // The chosen step and the row of its query in the full (decoder or
    // causal) self-attention heatmap.
    void stepChosen(int step, int queryRow);
    void cancelRequested();
    void hoverText(const QString& text);

protected:
    void keyPressEvent(QKeyEvent* event) override;

private:
    void showStep();

    TimelineData m_data;
    int m_step = -1;
    bool m_generating = false;

    QLabel* m_busy = nullptr;
    QPushButton* m_cancel = nullptr;
    QWidget* m_busyBar = nullptr;
    QListWidget* m_tokens = nullptr;
    QSlider* m_slider = nullptr;
    QLabel* m_stepLabel = nullptr;
    QLabel* m_selfTitle = nullptr;
    QLabel* m_crossTitle = nullptr;
    StepRowsWidget* m_self = nullptr;
    StepRowsWidget* m_cross = nullptr;
    QWidget* m_crossBox = nullptr;
    QTableWidget* m_candidates = nullptr;
    QLabel* m_empty = nullptr;
    QWidget* m_body = nullptr;
};

}  // namespace attnviz::ui
