// ggml dequantisation against ../shared/golden/gguf (gguf-py's dequantize,
// cross-checked there with a port of ggml's C loops): the first 64 values of
// the sampled tensors of every case bit for bit (all 13 types appear), and
// for every tensor of every file the first 4 values, min and max bit for bit
// and the sum and sum of squares to double rounding.
#include "support/test_paths.h"
#include "support/verify_result.h"

#include "attnviz/core/gguf_file.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <cmath>
#include <cstring>
#include <fstream>
#include <set>

using namespace attnviz::core;

namespace {

nlohmann::json readJson(const std::filesystem::path& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}

std::vector<float> dequantized(const GgufTensorInfo& t) {
    std::vector<float> out(t.numel);
    dequantizeGgml(t.type, t.data, t.numel, out.data());
    return out;
}

bool sameBits(float a, float b) { return std::memcmp(&a, &b, sizeof(float)) == 0; }

}  // namespace

class TestGgufDequant : public QObject {
    Q_OBJECT

private slots:
    void typeTable();
    void samplesBitExact();
    void everyTensorMatchesItsIndex();
};

void TestGgufDequant::typeTable() {
    QVERIFY(ggmlTypeInfo(4u) == nullptr);  // removed Q4_2
    QVERIFY(ggmlTypeInfo(31u) == nullptr);
    QVERIFY(ggmlTypeInfo(1000u) == nullptr);
    QCOMPARE(ggmlTypeInfo(GgmlType::Q4_K).blockSize, 256u);
    QCOMPARE(ggmlTypeInfo(GgmlType::Q4_K).blockBytes, 144u);
    QCOMPARE(ggmlTypeInfo(GgmlType::Q6_K).blockBytes, 210u);
    QCOMPARE(ggmlTypeInfo(GgmlType::Q5_1).blockBytes, 24u);
    QVERIFY(!ggmlTypeInfo(GgmlType::IQ2_XXS).supported);
    QCOMPARE(std::string(ggmlTypeInfo(GgmlType::BF16).name), std::string("BF16"));
}

void TestGgufDequant::samplesBitExact() {
    ATTNVIZ_REQUIRE_DIR(golden, attnviz::test::goldenDir, "golden references");
    const auto set = golden / "gguf";
    if (!std::filesystem::is_directory(set / "attention")) QSKIP("golden/gguf is absent");
    std::set<std::string> types;
    for (const auto& e : std::filesystem::directory_iterator(set / "attention")) {
        if (e.path().filename().string().find("__") == std::string::npos) continue;
        const nlohmann::json c = readJson(e.path());
        ATTNVIZ_UNWRAP(file, GgufFile::open(set / c.at("model_dir_hint").get<std::string>()));
        for (const auto& [name, sample] : c.at("dequant_samples").items()) {
            const GgufTensorInfo* t = file.tensor(name);
            QVERIFY2(t, name.c_str());
            QCOMPARE(std::string(ggmlTypeInfo(t->type).name), sample.at("type").get<std::string>());
            types.insert(sample.at("type").get<std::string>());
            const auto values = dequantized(*t);
            const auto expected = sample.at("first64").get<std::vector<float>>();
            for (std::size_t i = 0; i < expected.size(); ++i) {
                QVERIFY2(sameBits(values[i], expected[i]),
                         qPrintable(QString("%1 value %2: %3, gguf-py %4")
                                        .arg(QString::fromStdString(name)).arg(i).arg(values[i], 0, 'g', 9)
                                        .arg(expected[i], 0, 'g', 9)));
            }
        }
    }
    QVERIFY2(types.size() >= 13, qPrintable(QString("only %1 types sampled").arg(types.size())));
}

void TestGgufDequant::everyTensorMatchesItsIndex() {
    ATTNVIZ_REQUIRE_DIR(golden, attnviz::test::goldenDir, "golden references");
    const auto dir = golden / "gguf" / "gguf";
    if (!std::filesystem::exists(dir / "index.json")) QSKIP("golden/gguf is absent");
    const nlohmann::json index = readJson(dir / "index.json");
    for (const auto& [fileName, entry] : index.at("files").items()) {
        ATTNVIZ_UNWRAP(file, GgufFile::open(dir / fileName));
        for (const auto& t : entry.at("tensors")) {
            const std::string name = t.at("name");
            const GgufTensorInfo* info = file.tensor(name);
            QVERIFY2(info, name.c_str());
            const auto values = dequantized(*info);
            double sum = 0.0, sumsq = 0.0;
            float lo = values[0], hi = values[0];
            for (float v : values) {
                sum += v;
                sumsq += double(v) * v;
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
            const auto first4 = t.at("dequant_first4").get<std::vector<float>>();
            for (std::size_t i = 0; i < first4.size(); ++i) QVERIFY2(sameBits(values[i], first4[i]), name.c_str());
            QVERIFY2(sameBits(lo, t.at("dequant_min").get<float>()), name.c_str());
            QVERIFY2(sameBits(hi, t.at("dequant_max").get<float>()), name.c_str());
            const double expSum = t.at("dequant_sum"), expSq = t.at("dequant_sumsq");
            QVERIFY2(std::fabs(sum - expSum) <= 1e-9 * std::max(1.0, expSq), name.c_str());
            QVERIFY2(std::fabs(sumsq - expSq) <= 1e-9 * std::max(1.0, expSq), name.c_str());
        }
    }
}

QTEST_GUILESS_MAIN(TestGgufDequant)
#include "test_gguf_dequant.moc"
