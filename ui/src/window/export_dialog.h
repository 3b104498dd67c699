// File > Export: format, PNG scale, figure size and the file to write.
#pragma once

#include "attnviz/ui/export/exporters.h"

#include <QDialog>

#include <functional>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace attnviz::ui {

class PaintedFigure;

class AppSettings;
class PlotView;

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

// File > Export View for `view`: the dialog (starting in the last export
// folder, with "<model>-<view><nameSuffix>.png"), a question before replacing a file, then the
// export; a failure or a view with nothing to export is reported in a
// message box. Returns the status-bar message ("" when nothing was written).
QString exportWithDialog(PlotView& view, const QString& nameSuffix, AppSettings& settings, QWidget* parent);
// A QPainter figure (the alignment view) as PNG (2 x), SVG or PDF, chosen by
// the file name; returns the status line's text ("" when cancelled).
// `writeJson` (optional): the figure's numbers as JSON, offered as a fourth format.
QString exportPaintedWithDialog(const PaintedFigure& figure, const QString& name, QWidget* parent,
                                const std::function<core::Status(const QString& path)>& writeJson = {});

}  // namespace attnviz::ui
