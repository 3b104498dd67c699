// attnviz-cli models: the documented JSON (exactly the listed keys, nulls
// for what is unknown) and the aligned table over a fake Hugging Face cache,
// Ollama store and an added folder in a temporary HOME; --model given a
// listed name runs that model, an unknown one fails in one line.
#include "support/fake_model_store.h"
#include "support/cli_runner.h"
#include "support/fixture_models.h"
#include "support/verify_result.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace attnviz;
namespace fs = std::filesystem;

namespace {

test::CliResult cli(const QStringList& args) { return test::runCli(ATTNVIZ_CLI_PATH, args); }

}  // namespace

class TestModelsCli : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void json();
    void table();
    void modelByName();
    void errors();
    void ollamaGgufByName();

private:
    fs::path root() const { return m_tmp.path().toStdString(); }
    QTemporaryDir m_tmp;
    QTemporaryDir m_fixtures;
    fs::path m_snapshot;
    fs::path m_added;
};

void TestModelsCli::initTestCase() {
    QVERIFY(m_tmp.isValid() && m_fixtures.isValid());
    const fs::path home = root() / "home";
    fs::create_directories(home);
    qputenv("HOME", QByteArray::fromStdString(home.string()));
    qunsetenv("HF_HUB_CACHE");
    qputenv("HF_HOME", QByteArray::fromStdString((home / "hf").string()));
    qunsetenv("OLLAMA_MODELS");  // ~/.ollama/models
    qunsetenv("LLAMA_CACHE");

    ATTNVIZ_UNWRAP(llama, test::writeFixture(m_fixtures, "tiny-llama"));
    m_snapshot = test::writeHfCacheRepo(home / "hf/hub", "acme", "tiny-llama", llama, "abc123");

    test::writeOllamaManifest(home / ".ollama/models", "library", "ghost", "7b", std::string(64, 'e'));

    ATTNVIZ_UNWRAP(gpt2, test::writeFixture(m_fixtures, "tiny-gpt2"));
    m_added = root() / "mine";
    fs::create_directories(m_added);
    fs::copy(gpt2, m_added / "gpt2-small-test", fs::copy_options::recursive);
}

void TestModelsCli::json() {
    const auto r = cli({"models", "--json", "--add", QString::fromStdString(m_added.string())});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(r.out, &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    QCOMPARE(doc.object().keys(), QStringList{"models"});
    const QJsonArray models = doc.object()["models"].toArray();
    QCOMPARE(models.size(), 3);
    QStringList keys = {"name", "source", "path", "architecture", "parameters", "layers",
                        "heads", "kv_heads", "dtype", "bytes", "supported", "reason"};
    keys.sort();
    for (const auto& m : models) QCOMPARE(m.toObject().keys(), keys);

    // By source (huggingface, ollama, folder), as written above.
    const QJsonObject hf = models[0].toObject();
    QCOMPARE(hf["name"].toString(), QString("acme/tiny-llama"));
    QCOMPARE(hf["source"].toString(), QString("huggingface"));
    QCOMPARE(hf["path"].toString(), QString::fromStdString(m_snapshot.string()));
    QCOMPARE(hf["architecture"].toString(), QString("llama"));
    QCOMPARE(hf["layers"].toInt(), 2);
    QCOMPARE(hf["heads"].toInt(), 2);
    QCOMPARE(hf["kv_heads"].toInt(), 1);  // tiny-llama: num_key_value_heads 1
    QCOMPARE(hf["dtype"].toString(), QString("F32"));
    QCOMPARE(hf["bytes"].toDouble(), double(fs::file_size(m_snapshot / "config.json") +
                                            fs::file_size(m_snapshot / "model.safetensors")));
    QVERIFY(hf["parameters"].toDouble() > 0);
    QCOMPARE(hf["supported"].toBool(), true);

    const QJsonObject ghost = models[1].toObject();
    QCOMPARE(ghost["name"].toString(), QString("ghost:7b"));
    QCOMPARE(ghost["source"].toString(), QString("ollama"));
    QCOMPARE(ghost["supported"].toBool(), false);
    QVERIFY(ghost["reason"].toString().contains("missing"));
    QVERIFY(ghost["parameters"].isNull());
    QVERIFY(ghost["layers"].isNull());

    const QJsonObject mine = models[2].toObject();
    QCOMPARE(mine["name"].toString(), QString("gpt2-small-test"));
    QCOMPARE(mine["source"].toString(), QString("folder"));
    QCOMPARE(mine["architecture"].toString(), QString("gpt2"));
    QCOMPARE(mine["supported"].toBool(), true);
}

void TestModelsCli::table() {
    const auto r = cli({"models", "--add", QString::fromStdString(m_added.string())});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    const QStringList lines = QString::fromUtf8(r.out).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 4);
    QVERIFY(lines[0].startsWith("NAME"));
    // Aligned: every row's source starts under the header's SOURCE.
    const int column = lines[0].indexOf("SOURCE");
    QCOMPARE(lines[1].mid(column, 11), QString("huggingface"));
    QCOMPARE(lines[2].mid(column, 6), QString("ollama"));
    QCOMPARE(lines[3].mid(column, 6), QString("folder"));
    QVERIFY(lines[2].contains("missing"));
}

void TestModelsCli::modelByName() {
    for (const QString& name : {QString("tiny-llama"), QString("acme/tiny-llama")}) {
        const auto r = cli({"attention", "--model", name, "--ids", "1,2,3"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.out.contains("\"attention\""));
    }
    const auto r = cli({"tokens", "--model", "gpt2-small-test", "--ids", "1,2", "--json"});
    QCOMPARE(r.exitCode, 1);  // found through --add only
    QVERIFY2(r.err.contains("gpt2-small-test"), r.err.constData());
}

void TestModelsCli::errors() {
    struct Case {
        QStringList args;
        QByteArray says;
    };
    const QList<Case> cases = {
        {{"attention", "--model", "tiny-lama", "--ids", "1"}, "close: acme/tiny-llama (huggingface)"},
        {{"attention", "--model", "ghost:7b", "--ids", "1"}, "missing"},
        {{"models", "--add"}, "--add"},
        {{"models", "--frobnicate"}, "unknown option"},
    };
    for (const Case& c : cases) {
        const auto r = cli(c.args);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(c.says), r.err.constData());
        QCOMPARE(r.err.count('\n'), 1);
    }
}

// A real GGUF file (written by make-model) as an Ollama blob: listed as
// supported with its weight type, and run through --model name:tag under
// that name.
void TestModelsCli::ollamaGgufByName() {
    const fs::path store = root() / "home/.ollama/models";
    const std::string hex(64, '7');
    const fs::path blob = store / "blobs" / ("sha256-" + hex);
    fs::create_directories(blob.parent_path());
    auto made = cli({"make-model", "--preset", "tiny-llama", "--out", QString::fromStdString(blob.string() + ".gguf"),
                     "--gguf-type", "q8_0"});
    QVERIFY2(made.exitCode == 0, made.err.constData());
    fs::rename(blob.string() + ".gguf", blob);  // blobs have no extension
    test::writeText(store / "manifests/registry.ollama.ai/library/tiny/q8",
              R"({"layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:)" + hex + R"("}]})");

    const auto r = cli({"models", "--json"});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QJsonObject row;
    for (const auto& m : QJsonDocument::fromJson(r.out).object()["models"].toArray()) {
        if (m.toObject()["name"].toString() == "tiny:q8") row = m.toObject();
    }
    QVERIFY2(!row.isEmpty(), r.out.constData());
    QCOMPARE(row["path"].toString(), QString::fromStdString(blob.string()));
    QCOMPARE(row["architecture"].toString(), QString("llama"));
    QCOMPARE(row["dtype"].toString(), QString("Q8_0"));
    QCOMPARE(row["layers"].toInt(), 2);
    QCOMPARE(row["bytes"].toDouble(), double(fs::file_size(blob)));
    QVERIFY2(row["supported"].toBool(), qPrintable(row["reason"].toString()));

    const auto run = cli({"attention", "--model", "tiny:q8", "--ids", "1,2,3"});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QCOMPARE(QJsonDocument::fromJson(run.out).object()["model"].toString(), QString("tiny:q8"));
    fs::remove(store / "manifests/registry.ollama.ai/library/tiny/q8");
}

QTEST_GUILESS_MAIN(TestModelsCli)
#include "test_models_cli.moc"
