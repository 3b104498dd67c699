// The CLI's output files (app/cli/output_file.cpp) in-process: a failure
// names the path that failed and the OS's reason, leaves no temporary file
// and leaves an existing output untouched; a symlink planted at the old fixed
// temporary name is not followed; a signal during the write removes the
// temporary file (in a forked child, which the signal ends).
#include "output_file.h"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <string>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

// output_file.cpp reports through the CLI's fail(); record its message here.
namespace attnviz::cli {
std::string g_lastError;
int fail(const std::string& message) {
    g_lastError = message;
    return 1;
}
void warn(const std::string&) {}
}  // namespace attnviz::cli

using attnviz::cli::g_lastError;
using attnviz::cli::writeOutput;

namespace {

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Every file in `dir` whose name ends in .part (hidden ones too).
QStringList partFiles(const QString& dir) {
    return QDir(dir).entryList({"*.part"}, QDir::Files | QDir::Hidden | QDir::System);
}

bool writeHello(std::FILE* f) { return std::fputs("hello\n", f) >= 0; }

}  // namespace

class TestOutputFile : public QObject {
    Q_OBJECT

private slots:
    void writesAndLeavesNoTemp();
    void missingFolderNamesTempAndReason();
    void failedWriteKeepsExistingFile();
    void plantedSymlinkIsNotFollowed();
    void modeFollowsUmask();
    void signalRemovesTemp_data();
    void signalRemovesTemp();
};

void TestOutputFile::writesAndLeavesNoTemp() {
    QTemporaryDir dir;
    const QString out = dir.filePath("out.json");
    QVERIFY(QFile(out).open(QIODevice::WriteOnly));  // an existing file is replaced
    QCOMPARE(writeOutput(out.toStdString(), writeHello), 0);
    QCOMPARE(readAll(out), QByteArray("hello\n"));
    QCOMPARE(partFiles(dir.path()), QStringList());
}

void TestOutputFile::missingFolderNamesTempAndReason() {
    QTemporaryDir dir;
    const QString out = dir.filePath("no/such/dir/x.json");
    g_lastError.clear();
    QCOMPARE(writeOutput(out.toStdString(), writeHello), 1);
    const QString error = QString::fromStdString(g_lastError);
    // "cannot create '<dir>/no/such/dir/.x.json.a1b2c3.part': No such file or directory"
    const QRegularExpression expected("^cannot create '" + QRegularExpression::escape(dir.filePath("no/such/dir/")) +
                                      R"(\.x\.json\.[a-z0-9]{6}\.part': No such file or directory$)");
    QVERIFY2(expected.match(error).hasMatch(), qPrintable(error));
}

void TestOutputFile::failedWriteKeepsExistingFile() {
    QTemporaryDir dir;
    const QString out = dir.filePath("out.json");
    {
        QFile f(out);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("old contents\n");
    }
    g_lastError.clear();
    const int rc = writeOutput(out.toStdString(), [](std::FILE* f) {
        std::fputs("half a fi", f);
        errno = ENOSPC;  // as a full disk reports it
        return false;
    });
    QCOMPARE(rc, 1);
    const QString error = QString::fromStdString(g_lastError);
    QVERIFY2(error.startsWith("cannot write '" + dir.filePath(".out.json.")), qPrintable(error));
    QVERIFY2(error.endsWith(".part': No space left on device"), qPrintable(error));
    QCOMPARE(readAll(out), QByteArray("old contents\n"));
    QCOMPARE(partFiles(dir.path()), QStringList());
}

void TestOutputFile::plantedSymlinkIsNotFollowed() {
    QTemporaryDir dir;
    const QString victim = dir.filePath("victim.txt");
    {
        QFile f(victim);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("precious\n");
    }
    const QString out = dir.filePath("out.json");
    // The names an attacker could predict: the old fixed "FILE.part" and the
    // new pattern's prefix with a guessed suffix.
    QVERIFY(QFile::link(victim, out + ".part"));
    QVERIFY(QFile::link(victim, dir.filePath(".out.json.aaaaaa.part")));
    QCOMPARE(writeOutput(out.toStdString(), writeHello), 0);
    QCOMPARE(readAll(victim), QByteArray("precious\n"));
    QCOMPARE(readAll(out), QByteArray("hello\n"));
    QVERIFY(!QFileInfo(out).isSymLink());
    // The planted links are left alone; no temporary file of ours remains.
    QCOMPARE(partFiles(dir.path()).size(), 2);
}

void TestOutputFile::modeFollowsUmask() {
    QTemporaryDir dir;
    const QString out = dir.filePath("out.json");
    const mode_t old = ::umask(027);
    const int rc = writeOutput(out.toStdString(), writeHello);
    ::umask(old);
    QCOMPARE(rc, 0);
    struct stat st {};
    QCOMPARE(::stat(out.toLocal8Bit().constData(), &st), 0);
    QCOMPARE(st.st_mode & 0777, mode_t(0640));
}

void TestOutputFile::signalRemovesTemp_data() {
    QTest::addColumn<int>("signal");
    QTest::newRow("SIGINT") << SIGINT;
    QTest::newRow("SIGTERM") << SIGTERM;
}

void TestOutputFile::signalRemovesTemp() {
    QFETCH(int, signal);
    QTemporaryDir dir;
    const QString out = dir.filePath("out.json");
    {
        QFile f(out);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("old contents\n");
    }
    const std::string target = out.toStdString();
    const pid_t child = ::fork();
    QVERIFY(child >= 0);
    if (child == 0) {
        // Half way through the write, as Ctrl-C would arrive.
        writeOutput(target, [signal](std::FILE* f) {
            std::fputs("half a fi", f);
            std::fflush(f);
            ::raise(signal);
            return true;
        });
        ::_exit(0);  // not reached: the signal ends the child
    }
    int status = 0;
    QCOMPARE(::waitpid(child, &status, 0), child);
    QVERIFY2(WIFSIGNALED(status), "the signal ends the process as it would without the handler");
    QCOMPARE(WTERMSIG(status), signal);
    QCOMPARE(partFiles(dir.path()), QStringList());
    QCOMPARE(readAll(out), QByteArray("old contents\n"));
}

QTEST_GUILESS_MAIN(TestOutputFile)
#include "test_output_file.moc"
