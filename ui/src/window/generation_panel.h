// The Generation tab: how to generate (new-token limit, greedy or sampled
// with temperature, top-k and a seed; remembered) and the timeline of the
// last generation. Decoder-only models generate here from the run's tokens
// on a worker thread (Generate, Ctrl+G; Cancel or Esc at any step);
// encoder-decoder models generate in the session whenever the Target box is
// empty, with these options, and their timeline comes with the run.
#pragma once

#include "attnviz/core/generation.h"

#include <QWidget>

class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSpinBox;

namespace attnviz::core {
struct Seq2SeqRunResult;
}

namespace attnviz::ui {

class GenerationTimeline;
class LatestJob;
class SessionModel;

class GenerationPanel : public QWidget {
    Q_OBJECT

public:
    explicit GenerationPanel(SessionModel* session, QWidget* parent = nullptr);

    GenerationTimeline* timeline() const { return m_timeline; }
    QPushButton* generateButton() const { return m_generate; }
    core::GenerateOptions options() const;
    void setOptions(const core::GenerateOptions& options);

    // Decoder-only models: generate after the tokens of the run on screen.
    void generate();
    void cancel();
    // An encoder-decoder run: its generation in the timeline (or a hint to
    // clear the Target box when it was teacher-forced).
    void showSeq2Seq(const core::Seq2SeqRunResult& run);
    // A new model: the timeline is emptied.
    void reset();

signals:
    void optionsChanged(const attnviz::core::GenerateOptions& options);

private:
    void optionsEdited();

    SessionModel* m_session = nullptr;
    LatestJob* m_job = nullptr;
    QSpinBox* m_maxNew = nullptr;
    QDoubleSpinBox* m_temperature = nullptr;
    QSpinBox* m_topK = nullptr;
    QSpinBox* m_seed = nullptr;
    QPushButton* m_generate = nullptr;
    QLabel* m_note = nullptr;
    GenerationTimeline* m_timeline = nullptr;
};

}  // namespace attnviz::ui
