#include "attnviz/ui/export/painted_figure.h"

#include "figure_file.h"

#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSvgGenerator>

namespace attnviz::ui {

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
    figure_file::FigureSource source;
    source.problem = figure.exportProblem();
    source.title = figure.figureTitle();
    source.naturalSize = figure.figureSize();
    source.image = [&figure](QSize size, double scale) { return renderPaintedImage(figure, size, scale); };
    source.svg = [&figure](QIODevice* device, QSize size) {
        QSvgGenerator generator;
        generator.setOutputDevice(device);
        generator.setSize(size);
        generator.setViewBox(QRect(QPoint(0, 0), size));
        generator.setResolution(96);
        generator.setTitle(figure.figureTitle());
        QPainter painter;
        if (!painter.begin(&generator)) return false;
        figure.render(painter, size);
        return painter.end();
    };
    source.pdf = [&figure](QIODevice* device, QSize size) {
        QPdfWriter writer(device);
        writer.setResolution(72);  // one device unit per point: the figure's pixels become points
        writer.setPageLayout(QPageLayout(QPageSize(QSizeF(size), QPageSize::Point, QString(), QPageSize::ExactMatch),
                                         QPageLayout::Portrait, QMarginsF()));
        writer.setTitle(figure.figureTitle());
        writer.setCreator(QStringLiteral("attnviz"));
        QPainter painter;
        if (!painter.begin(&writer)) return false;
        painter.setWindow(QRect(QPoint(0, 0), size));
        painter.setRenderHint(QPainter::Antialiasing);
        figure.render(painter, size);
        return painter.end();
    };
    return figure_file::writeFigure(source, path, format, options);
}

}  // namespace attnviz::ui
