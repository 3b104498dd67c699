#include "window/trace_drop.h"

#include "attnviz/core/safetensors_file.h"
#include "attnviz/core/trace_file.h"

#include <QFileInfo>
#include <QMimeData>
#include <QUrl>

namespace attnviz::ui {

QString traceFileFromMime(const QMimeData* mime) {
    if (mime == nullptr || !mime->hasUrls() || mime->urls().isEmpty()) return {};
    const QUrl url = mime->urls().first();
    if (!url.isLocalFile()) return {};
    const QFileInfo info(url.toLocalFile());
    if (!info.isFile() || info.suffix().compare(QLatin1String("safetensors"), Qt::CaseInsensitive) != 0) return {};
    // Only the header is read here; the trace itself is read and checked on the worker.
    const auto file = core::SafetensorsFile::open(info.absoluteFilePath().toStdString());
    if (!file || !file->metadata().count(core::kTraceMetadataKey)) return {};
    return info.absoluteFilePath();
}

}  // namespace attnviz::ui
