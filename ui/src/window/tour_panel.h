// The first-run tour: a few steps over the bundled causal model and the
// notes' classic sentence, "The animal didn't cross the road because it was
// too tired" — which heads link "it" and "animal"? Each step drives the
// window (the model, the text, the tab, the head) and says what to look at.
// Shown once at first start, dismissible, and again from Help > Take the Tour.
#pragma once

#include <QDialog>
#include <QString>

class QLabel;
class QPushButton;

namespace attnviz::ui {

class MainWindow;

class TourPanel : public QDialog {
    Q_OBJECT

public:
    static constexpr const char* kSentence = "The animal didn't cross the road because it was too tired";

    explicit TourPanel(MainWindow* window);

    int stepCount() const;
    int step() const { return m_step; }
    // Goes to step `index` (clamped) and does what it does to the window.
    void showStep(int index);
    QString stepTitle() const;
    QString stepText() const;

private:
    void apply();
    void refresh();
    QString linkText() const;

    MainWindow* m_window = nullptr;
    QLabel* m_title = nullptr;
    QLabel* m_text = nullptr;
    QPushButton* m_back = nullptr;
    QPushButton* m_next = nullptr;
    int m_step = 0;
};

}  // namespace attnviz::ui
