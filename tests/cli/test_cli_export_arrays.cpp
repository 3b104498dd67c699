// export --format npy|safetensors: the attention probabilities as arrays.
// NPY is read by the format's specification (magic, version, header dict,
// little-endian float32 in C order), safetensors through attnviz's own
// reader; both must hold exactly the numbers `attention` writes as JSON, in
// the shape of the scope (one head, one layer, every head, cross-attention).
// (Also checked once by hand with numpy.load and safetensors.torch.load_file.)
#include "support/cli_runner.h"
#include "support/fixture_models.h"
#include "support/test_paths.h"
#include "support/verify_result.h"

#include "attnviz/core/safetensors_file.h"

#include <nlohmann/json.hpp>

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cstring>

using namespace attnviz;
using nlohmann::json;

class TestCliExportArrays : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void npyOfEveryHead();
    void npyOfOneHead();
    void safetensorsOfOneLayer();
    void crossAttention();
    void refusedWhereThereIsNoAttention();

private:
    json attention(const QStringList& extra = {});

    QTemporaryDir m_tmp;
    QString m_model;
    const QString m_ids = QStringLiteral("5,17,2,33,8,41");
};

namespace {

test::CliResult runCli(const QStringList& args) { return test::runCli(ATTNVIZ_CLI_PATH, args); }

struct Npy {
    QString shape;            // "(2, 2, 6, 6)"
    std::vector<float> data;  // C order
};

// NPY 1.0 by the specification: "\x93NUMPY", 1, 0, header length (uint16
// LE), a Python dict literal padded with spaces to a 64-byte boundary and
// ending in '\n', then the data.
std::optional<Npy> readNpy(const QString& path, QString& why) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return why = "cannot open", std::nullopt;
    const QByteArray bytes = f.readAll();
    if (bytes.size() < 10 || !bytes.startsWith(QByteArray("\x93NUMPY", 6)) || bytes[6] != 1 || bytes[7] != 0) {
        return why = "bad magic or version", std::nullopt;
    }
    const int len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    if ((10 + len) % 64 != 0 || bytes.size() < 10 + len || bytes[10 + len - 1] != '\n') {
        return why = "header not padded to 64 bytes", std::nullopt;
    }
    const QString header = QString::fromLatin1(bytes.mid(10, len));
    if (!header.contains("'descr': '<f4'") || !header.contains("'fortran_order': False")) {
        return why = "header: " + header, std::nullopt;
    }
    const int open = header.indexOf("'shape': (");
    Npy out;
    out.shape = header.mid(open + 9, header.indexOf(')', open) - open - 8);
    const qsizetype n = (bytes.size() - 10 - len) / 4;
    out.data.resize(static_cast<std::size_t>(n));
    std::memcpy(out.data.data(), bytes.constData() + 10 + len, static_cast<std::size_t>(n) * 4);
    return out;
}

std::vector<float> flatten(const json& j) {
    std::vector<float> out;
    if (!j.is_array()) {
        out.push_back(j.get<float>());
        return out;
    }
    for (const auto& e : j) {
        const auto part = flatten(e);
        out.insert(out.end(), part.begin(), part.end());
    }
    return out;
}

}  // namespace

void TestCliExportArrays::initTestCase() {
    ATTNVIZ_UNWRAP(dir, test::writeFixture(m_tmp, "tiny-gpt2"));  // 2 layers x 2 heads
    m_model = QString::fromStdString(dir.string());
}

json TestCliExportArrays::attention(const QStringList& extra) {
    const auto r = runCli(QStringList{"attention", "--model", m_model, "--ids", m_ids} + extra);
    if (r.exitCode != 0) return {};
    return json::parse(r.out.toStdString())["attention"];  // [L][H][T][T]
}

void TestCliExportArrays::npyOfEveryHead() {
    const QString path = m_tmp.filePath("all.npy");
    const auto r = runCli({"export", "--model", m_model, "--ids", m_ids, "--view", "overview", "-o", path});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QString why;
    const auto npy = readNpy(path, why);
    QVERIFY2(npy, qPrintable(why));
    QCOMPARE(npy->shape, QStringLiteral("(2, 2, 6, 6)"));
    QCOMPARE(npy->data, flatten(attention()));
}

void TestCliExportArrays::npyOfOneHead() {
    const QString path = m_tmp.filePath("head.npy");
    const auto r = runCli({"export", "--model", m_model, "--ids", m_ids, "--view", "head", "--layer", "1", "--head", "0",
                           "--format", "npy", "-o", path});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QString why;
    const auto npy = readNpy(path, why);
    QVERIFY2(npy, qPrintable(why));
    QCOMPARE(npy->shape, QStringLiteral("(6, 6)"));
    QCOMPARE(npy->data, flatten(attention()[1][0]));
}

void TestCliExportArrays::safetensorsOfOneLayer() {
    const QString path = m_tmp.filePath("layer.safetensors");
    const auto r = runCli({"export", "--model", m_model, "--ids", m_ids, "--view", "head", "--layer", "1", "--head", "-1",
                           "-o", path});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    ATTNVIZ_UNWRAP(file, core::SafetensorsFile::open(path.toStdString()));
    QCOMPARE(file.tensors().size(), std::size_t(2));
    const json a = attention();
    for (int h = 0; h < 2; ++h) {
        const core::TensorInfo* t = file.find("attention.1." + std::to_string(h));
        QVERIFY(t != nullptr);
        QCOMPARE(t->dtype, core::DType::F32);
        QCOMPARE(t->shape, (std::vector<std::int64_t>{6, 6}));
        std::vector<float> values(36);
        std::memcpy(values.data(), t->data, 36 * sizeof(float));
        QCOMPARE(values, flatten(a[1][h]));
    }
    QCOMPARE(QString::fromStdString(file.metadata().at("query_tokens")), QStringLiteral("[\"#5\",\"#17\",\"#2\",\"#33\",\"#8\",\"#41\"]"));
}

void TestCliExportArrays::crossAttention() {
    ATTNVIZ_REQUIRE_DIR(golden, test::goldenDir, "../shared/golden");
    const auto t5 = golden / "encdec" / "fixtures" / "t5";
    if (!std::filesystem::exists(t5)) QSKIP("../shared/golden/encdec not found");
    const QString dir = QString::fromStdString(t5.string());
    const QStringList input{"--model", dir, "--ids", "37,1566,1", "--decoder-ids", "0,660,15962,3"};
    const QString path = m_tmp.filePath("cross.npy");
    const auto r = runCli(QStringList{"export"} + input + QStringList{"--attention", "cross", "--view", "overview", "-o", path});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QString why;
    const auto npy = readNpy(path, why);
    QVERIFY2(npy, qPrintable(why));
    QCOMPARE(npy->shape, QStringLiteral("(2, 4, 4, 3)"));  // decoder layers, heads, target rows, source columns
    const auto a = runCli(QStringList{"attention"} + input);
    QVERIFY2(a.exitCode == 0, a.err.constData());
    QCOMPARE(npy->data, flatten(json::parse(a.out.toStdString())["cross_attention"]));
}

void TestCliExportArrays::refusedWhereThereIsNoAttention() {
    const QString path = m_tmp.filePath("nope.npy");
    const auto r = runCli({"export", "--model", m_model, "--ids", m_ids, "--view", "rollout", "-o", path});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("NPY and safetensors hold attention probabilities") && r.err.count('\n') == 1, r.err.constData());
    QVERIFY(!QFile::exists(path));
}

QTEST_GUILESS_MAIN(TestCliExportArrays)
#include "test_cli_export_arrays.moc"
