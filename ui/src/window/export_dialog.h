// File > Export: format, PNG scale, figure size and the file to write.
#pragma once

#include "attnviz/ui/export/exporters.h"

#include <QDialog>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace attnviz::ui {

class ExportDialog : public QDialog {
    Q_OBJECT

public:
    // `figureSize` is the view's own size; `csvAvailable` whether it has one matrix.
    ExportDialog(const QString& viewName, QSize figureSize, bool csvAvailable, const QString& suggestedPath,
                 QWidget* parent = nullptr);

    QString path() const;
    ExportFormat format() const;
    FigureOptions figureOptions() const;
    void setScale(double scale);

private:
    void formatChanged();
    void browse();

    QComboBox* m_format = nullptr;
    QDoubleSpinBox* m_scale = nullptr;
    QSpinBox* m_width = nullptr;
    QSpinBox* m_height = nullptr;
    QLineEdit* m_path = nullptr;
    QLabel* m_note = nullptr;
    QSize m_figureSize;
};

}  // namespace attnviz::ui
