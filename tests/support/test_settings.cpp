#include "support/test_settings.h"

#include <QDir>
#include <QSettings>

namespace attnviz::test {

bool isolateSettings(const QString& dir) {
    if (dir.isEmpty()) return false;
    qputenv("XDG_CONFIG_HOME", dir.toUtf8());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, dir);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir);
    // The organisation and application names AppSettings uses.
    const QString file = QSettings(QStringLiteral("attnviz"), QStringLiteral("attnviz")).fileName();
    return QDir::cleanPath(file).startsWith(QDir::cleanPath(dir) + QLatin1Char('/'));
}

}  // namespace attnviz::test
