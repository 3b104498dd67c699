#include "figure_file.h"

#include <QBuffer>
#include <QImageWriter>
#include <QSaveFile>

#include <cerrno>
#include <cstring>

namespace attnviz::ui::figure_file {
namespace {

// Why writing failed, in the operating system's words ("No space left on
// device", "File too large"): QFileDevice keeps only "Unknown error" for a
// failed buffered write, and image encoders say "Unknown error" too. `errno`
// is read at once, before anything else runs.
QString reason(const QString& fallback) {
    const int e = errno;
    return e != 0 ? QString::fromLocal8Bit(std::strerror(e)) : fallback;
}

}  // namespace

core::Status failure(const QString& path, const QString& why, core::ErrorCode code) {
    return core::makeError(code, "cannot write '" + path.toStdString() + "': " + why.toStdString());
}

core::Status saveBytes(const QString& path, const QByteArray& bytes) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) return failure(path, file.errorString());
    // QSaveFile::commit() reports success even when flushing its buffer
    // failed (a truncated file would replace the old one): flush first.
    errno = 0;
    if (file.write(bytes) != bytes.size() || !file.flush()) {
        const QString why = reason(file.errorString());
        file.cancelWriting();
        return failure(path, why);
    }
    if (!file.commit()) return failure(path, reason(file.errorString()));
    return {};
}

core::Status writeFigure(const FigureSource& figure, const QString& path, ExportFormat format,
                         const FigureOptions& options) {
    if (!figure.problem.isEmpty()) return core::makeError(core::ErrorCode::InvalidInput, figure.problem.toStdString());
    const QSize size = options.size.isEmpty() ? figure.naturalSize : options.size;
    if (size.width() < 16 || size.height() < 16 || size.width() > 20000 || size.height() > 20000) {
        return core::makeError(core::ErrorCode::InvalidInput,
                               "figure size " + std::to_string(size.width()) + "x" + std::to_string(size.height()) +
                                   " is outside 16..20000 pixels");
    }
    // The figure is encoded in memory first: encoders do not notice a failed
    // write (QFileDevice forgets the error at the next buffered write, and a
    // truncated SVG was reported as written), saveBytes() does.
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    switch (format) {
    case ExportFormat::Png: {
        if (!(options.scale >= 0.25 && options.scale <= 8.0)) {
            return core::makeError(core::ErrorCode::InvalidInput, "the PNG scale must be 0.25..8");
        }
        QImage image = figure.image(size, options.scale);
        if (image.isNull()) {
            return failure(path, QStringLiteral("the figure could not be drawn (too large?)"),
                           core::ErrorCode::OutOfMemory);
        }
        // Record the scale so the image prints at the figure's logical size.
        const int dotsPerMeter = qRound(96.0 * options.scale / 0.0254);
        image.setDotsPerMeterX(dotsPerMeter);
        image.setDotsPerMeterY(dotsPerMeter);
        QImageWriter writer(&buffer, "png");
        writer.setText(QStringLiteral("Title"), figure.title);
        writer.setText(QStringLiteral("Software"), QStringLiteral("attnviz"));
        if (!writer.write(image)) return failure(path, writer.errorString(), core::ErrorCode::OutOfMemory);
        break;
    }
    case ExportFormat::Svg:
        if (!figure.svg(&buffer, size)) return failure(path, QStringLiteral("SVG rendering failed"));
        break;
    case ExportFormat::Pdf:
        if (!figure.pdf(&buffer, size)) return failure(path, QStringLiteral("PDF rendering failed"));
        break;
    case ExportFormat::Csv:
    case ExportFormat::Json:
    case ExportFormat::Npy:
    case ExportFormat::Safetensors:
        return core::makeError(core::ErrorCode::InvalidInput,
                               "'" + path.toStdString() + "': this figure is written as PNG, SVG or PDF only");
    }
    return saveBytes(path, bytes);
}

}  // namespace attnviz::ui::figure_file
