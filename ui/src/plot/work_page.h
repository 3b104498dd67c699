// What a view shows in place of its figure while it computes off the GUI
// thread: what it computes, a progress bar, and one button (Cancel while it
// runs, Compute after a cancel).
#pragma once

#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;

namespace attnviz::ui {

class WorkPage : public QWidget {
    Q_OBJECT

public:
    explicit WorkPage(QWidget* parent = nullptr);

    // `permille` < 0 hides the bar; an empty `button` hides the button.
    void showWork(const QString& text, int permille, const QString& button);
    void setProgress(int permille);
    QString text() const;
    QString buttonText() const;
    int progress() const;

signals:
    void buttonClicked();

private:
    QLabel* m_text = nullptr;
    QProgressBar* m_bar = nullptr;
    QPushButton* m_button = nullptr;
};

}  // namespace attnviz::ui
