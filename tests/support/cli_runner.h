// Runs the attnviz-cli binary the way outside tools do.
#pragma once

#include <QByteArray>
#include <QStringList>

namespace attnviz::test {

struct CliResult {
    int exitCode = -1;  // -1 when the process crashed or timed out
    QByteArray out;
    QByteArray err;
};

CliResult runCli(const QString& program, const QStringList& args, int timeoutMs = 120000);

}  // namespace attnviz::test
