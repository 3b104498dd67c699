// The Difference tab: what to subtract (the chosen mask minus the model's
// own, or the first two compared heads) above the DifferenceView.
#pragma once

#include <QWidget>

class QComboBox;

namespace attnviz::ui {

class DifferenceView;

class DifferencePage : public QWidget {
    Q_OBJECT

public:
    explicit DifferencePage(QWidget* parent = nullptr);

    DifferenceView* view() const { return m_view; }

private:
    DifferenceView* m_view = nullptr;
    QComboBox* m_source = nullptr;
};

}  // namespace attnviz::ui
