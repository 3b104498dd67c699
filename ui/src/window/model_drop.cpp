#include "window/model_drop.h"

#include <QFileInfo>
#include <QMimeData>
#include <QUrl>

namespace attnviz::ui {

QString modelPathFromMime(const QMimeData* mime) {
    if (mime == nullptr || !mime->hasUrls() || mime->urls().isEmpty()) return {};
    const QUrl url = mime->urls().first();
    if (!url.isLocalFile()) return {};
    const QFileInfo info(url.toLocalFile());
    if (info.isDir()) return info.absoluteFilePath();
    if (info.isFile() && info.suffix().compare(QStringLiteral("gguf"), Qt::CaseInsensitive) == 0) {
        return info.absoluteFilePath();
    }
    if (info.isFile()) return info.absolutePath();
    return {};
}

}  // namespace attnviz::ui
