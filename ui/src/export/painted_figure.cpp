#include "attnviz/ui/export/painted_figure.h"

#include <QBuffer>
#include <QImageWriter>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>
#include <QSvgGenerator>

#include <cerrno>
#include <cstring>

namespace attnviz::ui {
namespace {

core::Status failure(const QString& path, const QString& why, core::ErrorCode code = core::ErrorCode::Io) {
    return core::makeError(code, "cannot write '" + path.toStdString() + "': " + why.toStdString());
}

QString reason(const QString& fallback) {
    const int e = errno;
    return e != 0 ? QString::fromLocal8Bit(std::strerror(e)) : fallback;
}

// Writes `bytes` atomically: flushed and checked before the commit (see
// exporters.cpp: QSaveFile::commit() alone misses a failed buffered write).
core::Status saveBytes(const QString& path, const QByteArray& bytes) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) return failure(path, file.errorString());
    errno = 0;
    if (file.write(bytes) != bytes.size() || !file.flush()) {
        const QString why = reason(file.errorString());
        file.cancelWriting();
        return failure(path, why);
    }
    if (!file.commit()) return failure(path, reason(file.errorString()));
    return {};
}

}  // namespace

QImage renderPaintedImage(const PaintedFigure& figure, QSize size, double scale) {
    QImage image(QSize(qRound(size.width() * scale), qRound(size.height() * scale)), QImage::Format_ARGB32_Premultiplied);
    if (image.isNull()) return image;
    image.setDevicePixelRatio(scale);
    image.fill(Qt::white);
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setRenderHint(QPainter::TextAntialiasing);
    figure.render(painter, size);
    painter.end();
    return image;
}

core::Status exportPaintedFigure(const PaintedFigure& figure, const QString& path, ExportFormat format,
                                 const FigureOptions& options) {
    if (const QString problem = figure.exportProblem(); !problem.isEmpty()) {
        return core::makeError(core::ErrorCode::InvalidInput, problem.toStdString());
    }
    const QSize size = options.size.isEmpty() ? figure.figureSize() : options.size;
    if (size.width() < 16 || size.height() < 16 || size.width() > 20000 || size.height() > 20000) {
        return core::makeError(core::ErrorCode::InvalidInput,
                               "figure size " + std::to_string(size.width()) + "x" + std::to_string(size.height()) +
                                   " is outside 16..20000 pixels");
    }
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    switch (format) {
    case ExportFormat::Png: {
        if (!(options.scale >= 0.25 && options.scale <= 8.0)) {
            return core::makeError(core::ErrorCode::InvalidInput, "the PNG scale must be 0.25..8");
        }
        QImage image = renderPaintedImage(figure, size, options.scale);
        if (image.isNull()) {
            return failure(path, QStringLiteral("the figure could not be drawn (too large?)"),
                           core::ErrorCode::OutOfMemory);
        }
        const int dotsPerMeter = qRound(96.0 * options.scale / 0.0254);
        image.setDotsPerMeterX(dotsPerMeter);
        image.setDotsPerMeterY(dotsPerMeter);
        QImageWriter writer(&buffer, "png");
        writer.setText(QStringLiteral("Title"), figure.figureTitle());
        writer.setText(QStringLiteral("Software"), QStringLiteral("attnviz"));
        if (!writer.write(image)) return failure(path, writer.errorString(), core::ErrorCode::OutOfMemory);
        break;
    }
    case ExportFormat::Svg: {
        QSvgGenerator generator;
        generator.setOutputDevice(&buffer);
        generator.setSize(size);
        generator.setViewBox(QRect(QPoint(0, 0), size));
        generator.setResolution(96);
        generator.setTitle(figure.figureTitle());
        QPainter painter;
        if (!painter.begin(&generator)) return failure(path, QStringLiteral("SVG rendering failed"));
        figure.render(painter, size);
        if (!painter.end()) return failure(path, QStringLiteral("SVG rendering failed"));
        break;
    }
    case ExportFormat::Pdf: {
        QPdfWriter writer(&buffer);
        writer.setResolution(72);  // one device unit per point: the figure's pixels become points
        writer.setPageLayout(QPageLayout(QPageSize(QSizeF(size), QPageSize::Point, QString(), QPageSize::ExactMatch),
                                         QPageLayout::Portrait, QMarginsF()));
        writer.setTitle(figure.figureTitle());
        writer.setCreator(QStringLiteral("attnviz"));
        QPainter painter;
        if (!painter.begin(&writer)) return failure(path, QStringLiteral("PDF rendering failed"));
        painter.setWindow(QRect(QPoint(0, 0), size));
        painter.setRenderHint(QPainter::Antialiasing);
        figure.render(painter, size);
        if (!painter.end()) return failure(path, QStringLiteral("PDF rendering failed"));
        break;
    }
    case ExportFormat::Csv:
    case ExportFormat::Json:
        return core::makeError(core::ErrorCode::InvalidInput,
                               "'" + path.toStdString() + "': this figure is written as PNG, SVG or PDF only");
    }
    return saveBytes(path, bytes);
}

}  // namespace attnviz::ui
