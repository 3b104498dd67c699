// Bad output paths through attnviz-cli, and make-model's files written
// through a temporary file. (The writer's own cases, concurrent writers and
// a missing folder are in test_output_file and test_cli.)
#include "bad_input_builder.h"

#include "support/fixture_models.h"
#include "support/verify_result.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QThread>
#include <QtTest>

#include <unistd.h>

using namespace attnviz;
using namespace attnviz::test::bad;

class TestBadOutputs : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void outputNamesAFolder_data();
    void outputNamesAFolder();
    void readOnlyFolder();
    void plantedSymlinksAreNotFollowed();
    void makeModelLeavesNoTemp();
    void interruptedMakeModelKeepsOldFiles();

private:
    QTemporaryDir m_tmp;
    QString m_gpt2;
};

void TestBadOutputs::initTestCase() {
    ATTNVIZ_UNWRAP(gpt2, test::writeFixture(m_tmp, "tiny-gpt2"));
    m_gpt2 = QString::fromStdString(gpt2.string());
}

void TestBadOutputs::outputNamesAFolder_data() {
    QTest::addColumn<QString>("suffix");
    QTest::addColumn<QString>("key");
    QTest::newRow("-o an existing folder") << "" << "Is a directory";
    QTest::newRow("-o folder/") << "/" << "names a folder";
}

void TestBadOutputs::outputNamesAFolder() {
    QFETCH(QString, suffix);
    QFETCH(QString, key);
    QTemporaryDir dir;
    const QString target = dir.filePath("results");
    QVERIFY(QDir().mkdir(target));
    const auto r = test::runCli(ATTNVIZ_CLI_PATH, {"attention", "--model", m_gpt2, "--ids", "1,2", "-o", target + suffix});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.count('\n') == 1 && r.err.contains("results") && r.err.contains(key.toUtf8()), r.err.constData());
    QVERIFY(QFileInfo(target).isDir());
    QCOMPARE(partFiles(dir.path()), QStringList());
    QCOMPARE(QDir(target).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden), QStringList());
}

void TestBadOutputs::readOnlyFolder() {
    // root writes anywhere it may chmod away: use /proc, where nobody creates files.
    QTemporaryDir dir;
    QString folder = "/proc/self";
    if (::geteuid() != 0) {
        folder = dir.filePath("ro");
        QVERIFY(QDir().mkdir(folder));
        QVERIFY(QFile::setPermissions(folder, QFile::ReadOwner | QFile::ExeOwner));
    }
    const auto r = test::runCli(ATTNVIZ_CLI_PATH, {"attention", "--model", m_gpt2, "--ids", "1,2", "-o", folder + "/out.json"});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.count('\n') == 1 && r.err.contains(("cannot create '" + folder + "/.out.json.").toUtf8()), r.err.constData());
    QVERIFY(!QFile::exists(folder + "/out.json"));
}

void TestBadOutputs::plantedSymlinksAreNotFollowed() {
    QTemporaryDir dir;
    const QString victim = dir.filePath("victim.txt");
    QVERIFY(writeBytes(victim, "do not touch\n"));
    // The old fixed name and plausible temporary names, all pointing at the victim.
    const QStringList planted = {"out.json.part", ".out.json.part", ".out.json.aaaaaa.part", "out.json.tmp"};
    for (const QString& name : planted) QVERIFY(QFile::link(victim, dir.filePath(name)));
    const auto r = test::runCli(ATTNVIZ_CLI_PATH, {"attention", "--model", m_gpt2, "--ids", "1,2", "-o", dir.filePath("out.json")});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(readBytes(victim), QByteArray("do not touch\n"));
    for (const QString& name : planted) QVERIFY(QFileInfo(dir.filePath(name)).isSymLink());
    const auto j = nlohmann::json::parse(readBytes(dir.filePath("out.json")).toStdString(), nullptr, false);
    QVERIFY(!j.is_discarded());
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden | QDir::System).size(), planted.size() + 2);
}

void TestBadOutputs::makeModelLeavesNoTemp() {
    QTemporaryDir dir;
    const QString out = dir.filePath("model");
    const auto r = test::runCli(ATTNVIZ_CLI_PATH, {"make-model", "--preset", "tiny-llama", "--out", out});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(QDir(out).entryList(QDir::Files | QDir::Hidden), (QStringList{"config.json", "model.safetensors"}));
    const auto run = test::runCli(ATTNVIZ_CLI_PATH, {"attention", "--model", out, "--ids", "1,2"});
    QVERIFY2(run.exitCode == 0, run.err.constData());
}

void TestBadOutputs::interruptedMakeModelKeepsOldFiles() {
    // A large preset, stopped while its weights are being written: the old
    // files stay as they were and no temporary file is left.
    QTemporaryDir dir;
    const QString out = dir.filePath("model");
    QVERIFY(QDir().mkdir(out));
    QVERIFY(writeBytes(out + "/config.json", "old config\n"));
    QVERIFY(writeBytes(out + "/model.safetensors", "old weights\n"));
    QProcess p;
    p.start(ATTNVIZ_CLI_PATH, {"make-model", "--preset", "gpt2-small", "--out", out});
    QVERIFY(p.waitForStarted());
    QElapsedTimer t;
    t.start();
    while (partFiles(out).isEmpty() && t.elapsed() < 30000 && p.state() == QProcess::Running) QThread::msleep(5);
    QVERIFY2(!partFiles(out).isEmpty(), "make-model wrote its weights through a temporary file");
    QThread::msleep(50);
    p.terminate();  // SIGTERM
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitStatus(), QProcess::CrashExit);
    QCOMPARE(readBytes(out + "/config.json"), QByteArray("old config\n"));
    QCOMPARE(readBytes(out + "/model.safetensors"), QByteArray("old weights\n"));
    QCOMPARE(partFiles(out), QStringList());
}

QTEST_GUILESS_MAIN(TestBadOutputs)
#include "test_bad_outputs.moc"
