// Corrupt inputs made at test time from a valid tiny fixture, and the checks
// every bad-input case shares: exit status 1, one stderr line naming the file
// and what is wrong, no temporary file left, an existing output untouched.
#pragma once

#include "support/cli_runner.h"

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace attnviz::test::bad {

QByteArray readBytes(const QString& path);
bool writeBytes(const QString& path, const QByteArray& bytes);
// Copies the files of folder `from` into a new folder `to`.
bool copyFolder(const QString& from, const QString& to);

// `levels` nested arrays: "[[[...]]]".
QByteArray deepJson(int levels);

// A model.safetensors split into its header (parsed) and data section.
struct Safetensors {
    nlohmann::ordered_json header;
    QByteArray data;
};
Safetensors readSafetensors(const QString& path);
// Writes an 8-byte length, `headerText` and `data`.
bool writeSafetensors(const QString& path, const QByteArray& headerText, const QByteArray& data);
bool writeSafetensors(const QString& path, const Safetensors& st);
// The first tensor (in file order) whose name contains `part`.
std::string tensorNamed(const Safetensors& st, const std::string& part);

// Temporary output files (".NAME.XXXXXX.part") left in `dir`.
QStringList partFiles(const QString& dir);

// One bad-input case: `build` turns a copy of the fixture in `dir` into the
// corrupt input and returns the CLI arguments (MODEL stands for `dir`).
struct Case {
    const char* name;
    std::function<QStringList(const QString& dir)> build;
    QString file;  // what the error must name (a file name or path part)
    QString key;   // what it must say is wrong (a substring)
};

// Runs `args` with "-o OUT" added, where OUT already holds a previous run's
// bytes, and checks the shared contract; returns "" or what failed.
QString runAndCheck(const QStringList& args, const QString& file, const QString& key, bool allowWarnings = false);

}  // namespace attnviz::test::bad
