#include "tiny_folder.h"

#include "tiny_files.h"

#include <string>

namespace attnviz::test {

core::Status writeFiles(const std::filesystem::path& root, const QByteArrayList& files) {
    for (const QByteArray& entry : files) {
        const qsizetype eq = entry.indexOf('=');
        const QByteArray content = entry.mid(eq + 1);
        core::Status written = writeFile(root / entry.left(eq).toStdString(), std::string(content.constData(), content.size()));
        if (!written) return written;
    }
    return core::Status::success();
}

}  // namespace attnviz::test
