// What the figure exporters share: atomic saving with the system's reason
// for a failure, and the PNG/SVG/PDF encoding of one figure, whether a
// QCustomPlot view (exporters.cpp) or a QPainter figure (painted_figure.cpp)
// draws it.
#pragma once

#include "attnviz/core/result.h"
#include "attnviz/ui/export/exporters.h"

#include <QByteArray>
#include <QImage>
#include <QSize>
#include <QString>

#include <functional>

class QIODevice;

namespace attnviz::ui::figure_file {

// "cannot write 'path': why".
core::Status failure(const QString& path, const QString& why, core::ErrorCode code = core::ErrorCode::Io);

// Writes `bytes` to `path` atomically: the old file is replaced only by the
// complete new one; a failed write names the system's reason.
core::Status saveBytes(const QString& path, const QByteArray& bytes);

// One figure, as each kind of view draws it.
struct FigureSource {
    QString problem;  // why there is nothing to export ("" when there is)
    QString title;
    QSize naturalSize;
    std::function<QImage(QSize size, double scale)> image;
    std::function<bool(QIODevice* device, QSize size)> svg;
    std::function<bool(QIODevice* device, QSize size)> pdf;
};

// PNG, SVG or PDF of `figure` at options.size (its natural size when empty),
// encoded in memory and then saved with saveBytes(); CSV and JSON are refused.
core::Status writeFigure(const FigureSource& figure, const QString& path, ExportFormat format,
                         const FigureOptions& options);

}  // namespace attnviz::ui::figure_file
