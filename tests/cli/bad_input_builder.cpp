#include "bad_input_builder.h"

#include <QDebug>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <cstring>

namespace attnviz::test::bad {

QByteArray readBytes(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return f.readAll();
}

bool writeBytes(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

bool copyFolder(const QString& from, const QString& to) {
    if (!QDir().mkpath(to)) return false;
    for (const QString& name : QDir(from).entryList(QDir::Files)) {
        if (!QFile::copy(from + "/" + name, to + "/" + name)) return false;
    }
    return true;
}

QByteArray deepJson(int levels) { return QByteArray(levels, '[') + QByteArray(levels, ']'); }

Safetensors readSafetensors(const QString& path) {
    const QByteArray bytes = readBytes(path);
    std::uint64_t len = 0;
    std::memcpy(&len, bytes.constData(), 8);
    Safetensors st;
    st.header = nlohmann::ordered_json::parse(bytes.mid(8, static_cast<qsizetype>(len)).toStdString());
    st.data = bytes.mid(8 + static_cast<qsizetype>(len));
    return st;
}

bool writeSafetensors(const QString& path, const QByteArray& headerText, const QByteArray& data) {
    const std::uint64_t len = static_cast<std::uint64_t>(headerText.size());
    QByteArray bytes(reinterpret_cast<const char*>(&len), 8);
    return writeBytes(path, bytes + headerText + data);
}

bool writeSafetensors(const QString& path, const Safetensors& st) {
    return writeSafetensors(path, QByteArray::fromStdString(st.header.dump()), st.data);
}

std::string tensorNamed(const Safetensors& st, const std::string& part) {
    for (const auto& [name, value] : st.header.items()) {
        if (name != "__metadata__" && name.find(part) != std::string::npos) return name;
    }
    return {};
}

QStringList partFiles(const QString& dir) {
    return QDir(dir).entryList({"*.part", "*.tmp", "*~"}, QDir::Files | QDir::Hidden | QDir::System);
}

QString runAndCheck(const QStringList& args, const QString& file, const QString& key, bool allowWarnings) {
    QTemporaryDir outDir;
    const QString out = outDir.filePath("out.json");
    const QByteArray previous = "previous run\n";
    if (!writeBytes(out, previous)) return "cannot write " + out;
    QStringList problems;
    // predict prints to standard output only.
    const bool toFile = args.value(0) != "predict";
    QStringList full = args;
    if (toFile) {
        full.insert(1, out);
        full.insert(1, "-o");
    }
    // An argument that is not valid UTF-8 cannot go through QProcess (it
    // encodes QStrings): "@BAD@caf\\351" is made by the shell's printf.
    QString program = ATTNVIZ_CLI_PATH;
    for (QString& a : full) {
        if (!a.startsWith("@BAD@")) continue;
        const QString bytes = a.mid(5);
        a = "@BAD@";
        full = QStringList{"-c",
                           "b=$(printf '%b' \"$1\"); shift; for a do shift; "
                           "if [ \"$a\" = @BAD@ ]; then set -- \"$@\" \"$b\"; else set -- \"$@\" \"$a\"; fi; done; exec \"$@\"",
                           "sh", bytes, program} + full;
        program = "/bin/sh";
        break;
    }
    const CliResult r = runCli(program, full, 60000);
    if (!toFile && !r.out.isEmpty()) problems << "wrote to standard output";
    const QString err = QString::fromUtf8(r.err);
    qInfo().noquote() << err.trimmed();  // the message a user would see, in the test log
    if (r.exitCode != 1) problems << QString("exit code %1 (-1: crash or timeout)").arg(r.exitCode);
    QStringList lines = err.split('\n', Qt::SkipEmptyParts);
    if (allowWarnings) {
        lines.removeIf([](const QString& l) { return l.startsWith("attnviz-cli: warning: "); });
    }
    if (lines.size() != 1 || !err.endsWith('\n')) problems << QString("%1 error lines").arg(lines.size());
    const QString line = lines.isEmpty() ? QString() : lines.last();
    if (!line.startsWith("attnviz-cli: error: ")) problems << "no 'attnviz-cli: error: ' line";
    if (!line.contains(file)) problems << "the error does not name '" + file + "'";
    if (!line.contains(key, Qt::CaseInsensitive)) problems << "the error does not say '" + key + "'";
    if (readBytes(out) != previous) problems << "the existing output was changed";
    if (!partFiles(outDir.path()).isEmpty()) problems << "left " + partFiles(outDir.path()).join(' ');
    if (QDir(outDir.path()).entryList(QDir::Files | QDir::Hidden).size() != 1) problems << "extra files in the output folder";
    if (problems.isEmpty()) return {};
    return problems.join("; ") + "\nstderr: " + err;
}

}  // namespace attnviz::test::bad
