// GGUF reader: every golden file parses to the tensor table and metadata its
// index (written by an independent parser) lists; corrupt files of every
// kind fail with one line naming the file and the field.
#include "support/gguf_builder.h"
#include "support/test_paths.h"
#include "support/verify_result.h"
#include "attnviz/core/gguf_file.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <cstring>
#include <fstream>

using namespace attnviz::core;
using attnviz::test::GgufBuilder;

namespace {

nlohmann::json readJson(const std::filesystem::path& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}

GgufBuilder validFile() {
    GgufBuilder b;
    b.string("general.architecture", "llama").u32("llama.block_count", 2).f32("llama.rope.freq_base", 10000.0f);
    b.boolean("tokenizer.ggml.add_bos_token", true).strings("tokenizer.ggml.tokens", {"<unk>", "a", "b"});
    b.floats("tokenizer.ggml.scores", {0.f, -1.f, -2.f});
    b.tensorF32("token_embd.weight", {4, 3}, std::vector<float>(12, 0.5f));
    std::vector<std::uint8_t> q8(34, 0);  // one Q8_0 block
    b.tensor("blk.0.attn_q.weight", {32, 1}, 8, q8);
    return b;
}

template <class T>
void poke(std::vector<std::uint8_t>& bytes, std::size_t at, T value) {
    std::memcpy(bytes.data() + at, &value, sizeof(T));
}

// Offset of the first byte of `needle` in `bytes`.
std::size_t find(const std::vector<std::uint8_t>& bytes, const std::string& needle) {
    auto it = std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end());
    return static_cast<std::size_t>(it - bytes.begin());
}

}  // namespace

class TestGgufFile : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(m_tmp.isValid()); }
    void goldenFilesMatchTheirIndex();
    void builtFileRoundTrips();
    void typedLookups();
    void everyTruncationIsRefused();
    void rejectsCorruptFiles_data();
    void rejectsCorruptFiles();
    void versionOneIsUnsupported();

private:
    std::filesystem::path path(const std::string& name) const {
        return std::filesystem::path(m_tmp.path().toStdString()) / name;
    }
    QTemporaryDir m_tmp;
};

void TestGgufFile::goldenFilesMatchTheirIndex() {
    ATTNVIZ_REQUIRE_DIR(golden, attnviz::test::goldenDir, "golden references");
    const auto dir = golden / "gguf" / "gguf";
    if (!std::filesystem::exists(dir / "index.json")) QSKIP("golden/gguf is absent");
    const nlohmann::json index = readJson(dir / "index.json");
    QVERIFY(index["files"].size() >= 5);
    for (const auto& [fileName, entry] : index["files"].items()) {
        ATTNVIZ_UNWRAP(file, GgufFile::open(dir / fileName));
        QCOMPARE(file.version(), 3u);
        QCOMPARE(file.fileSize(), entry["size_bytes"].get<std::uint64_t>());
        QCOMPARE(file.tensors().size(), entry["n_tensors"].get<std::size_t>());
        for (const auto& t : entry["tensors"]) {
            const std::string name = t["name"];
            const GgufTensorInfo* info = file.tensor(name);
            QVERIFY2(info, name.c_str());
            QCOMPARE(std::string(ggmlTypeInfo(info->type).name), t["type"].get<std::string>());
            QCOMPARE(info->ne, t["ne"].get<std::vector<std::uint64_t>>());
            QCOMPARE(info->byteSize, t["n_bytes"].get<std::uint64_t>());
            // The index gives absolute file offsets.
            QCOMPARE(file.dataOffset() + info->offset, t["offset"].get<std::uint64_t>());
        }
        for (const auto& [key, value] : entry["metadata"].items()) {
            const GgufValue* v = file.find(key);
            QVERIFY2(v, key.c_str());
            if (value.is_string()) {
                const std::string s = value;
                if (v->type == GgufValueType::Array) {
                    const std::string expected = "array[" + std::to_string(v->count) + "] of " +
                                                 std::string(ggufValueTypeName(v->elementType));
                    QCOMPARE(s, expected);
                    if (v->elementType == GgufValueType::String) QCOMPARE(v->strings.size(), v->count);
                } else {
                    QCOMPARE(std::string(v->text), s);
                }
            } else if (value.is_boolean()) {
                QCOMPARE(*file.boolean(key).value(), value.get<bool>());
            } else if (value.is_number_integer()) {
                QCOMPARE(*file.integer(key).value(), value.get<std::int64_t>());
            } else {
                QCOMPARE(static_cast<float>(*file.number(key).value()), value.get<float>());
            }
        }
    }
}

void TestGgufFile::builtFileRoundTrips() {
    const GgufBuilder b = validFile();
    b.write(path("ok.gguf"));
    QVERIFY(looksLikeGguf(path("ok.gguf")));
    ATTNVIZ_UNWRAP(file, GgufFile::open(path("ok.gguf")));
    QCOMPARE(file.dataOffset(), b.dataOffset());
    QCOMPARE(file.tensors().size(), std::size_t{2});
    const GgufTensorInfo* e = file.tensor("token_embd.weight");
    QVERIFY(e);
    QCOMPARE(e->numel, std::uint64_t{12});
    float first;
    std::memcpy(&first, e->data, 4);
    QCOMPARE(first, 0.5f);
    const GgufTensorInfo* q = file.tensor("blk.0.attn_q.weight");
    QVERIFY(q && q->type == GgmlType::Q8_0 && q->byteSize == 34 && q->offset == 64);
    const GgufValue* tokens = file.find("tokenizer.ggml.tokens");
    QVERIFY(tokens && tokens->strings.size() == 3 && tokens->strings[2] == "b");
    const GgufValue* scores = file.find("tokenizer.ggml.scores");
    QVERIFY(scores && scores->count == 3 && scores->number(1) == -1.0);
    QCOMPARE(file.parameterCount(), std::uint64_t{44});
}

void TestGgufFile::typedLookups() {
    validFile().write(path("typed.gguf"));
    ATTNVIZ_UNWRAP(file, GgufFile::open(path("typed.gguf")));
    QCOMPARE(*file.string("general.architecture").value(), std::string("llama"));
    QCOMPARE(*file.integer("llama.block_count").value(), std::int64_t{2});
    QCOMPARE(*file.number("llama.block_count").value(), 2.0);
    QCOMPARE(*file.number("llama.rope.freq_base").value(), 10000.0);
    QVERIFY(!file.integer("absent.key").value().has_value());
    auto wrong = file.integer("general.architecture");
    QVERIFY(!wrong);
    QVERIFY2(wrong.error().find("typed.gguf") != std::string::npos, wrong.error().c_str());
    QVERIFY2(wrong.error().find("\"general.architecture\" is STRING, expected an integer") != std::string::npos,
             wrong.error().c_str());
    auto arr = file.string("tokenizer.ggml.tokens");
    QVERIFY(!arr);
    QVERIFY2(arr.error().find("an array of STRING") != std::string::npos, arr.error().c_str());
}

void TestGgufFile::everyTruncationIsRefused() {
    const auto bytes = validFile().bytes();
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        if (n >= bytes.size() - 31 && n >= 64 + 34 + validFile().dataOffset()) break;  // only padding cut
        std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
        GgufBuilder::write(path("cut.gguf"), cut);
        auto r = GgufFile::open(path("cut.gguf"));
        QVERIFY2(!r, ("a file cut to " + std::to_string(n) + " bytes opened").c_str());
        QCOMPARE(r.code(), ErrorCode::CorruptFile);
        QVERIFY2(r.error().find("cut.gguf") != std::string::npos, r.error().c_str());
        QVERIFY2(r.error().find('\n') == std::string::npos, r.error().c_str());
    }
}

void TestGgufFile::rejectsCorruptFiles_data() {
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("expected");
    QTest::newRow("bad magic") << 0 << "does not start with the GGUF magic";
    QTest::newRow("tensor count beyond file") << 1 << "tensor count 4294967296000 is more than the file can hold";
    QTest::newRow("kv count beyond file") << 2 << "metadata count";
    QTest::newRow("string longer than file") << 3 << "bytes of the file are left";
    QTest::newRow("unknown value type") << 4 << "unknown value type 99";
    QTest::newRow("unknown tensor type") << 5 << "unknown ggml type 77";
    QTest::newRow("misaligned offset") << 6 << "is not a multiple of the alignment 32";
    QTest::newRow("tensor beyond data") << 7 << "is not within the file's data section";
    QTest::newRow("overlapping tensors") << 8 << "overlaps tensor";
    QTest::newRow("row not a block multiple") << 9 << "is not a multiple of the Q8_0 block size 32";
    QTest::newRow("array longer than file") << 10 << "more than the";
    QTest::newRow("duplicate key") << 11 << "appears twice";
    QTest::newRow("duplicate tensor") << 12 << "is listed twice";
    QTest::newRow("bool of 2") << 13 << "must be 0 or 1";
    QTest::newRow("bad alignment") << 14 << "general.alignment";
    QTest::newRow("five dimensions") << 15 << "has 5 dimensions";
    QTest::newRow("element count overflow") << 16 << "overflows";
}

void TestGgufFile::rejectsCorruptFiles() {
    QFETCH(int, kind);
    QFETCH(QString, expected);
    GgufBuilder b = validFile();
    auto bytes = b.bytes();
    const std::size_t infos = b.tensorInfoOffset();
    // Tensor info 0: name (8 + 17), n_dims (4), ne (2 x 8), type (4), offset (8).
    const std::size_t t0 = infos + 8 + 17;
    const std::size_t t1 = t0 + 4 + 16 + 4 + 8 + 8 + 19;  // second info, after its name
    switch (kind) {
    case 0: bytes[0] = 'X'; break;
    case 1: poke<std::uint64_t>(bytes, 8, 4294967296000ull); break;
    case 2: poke<std::uint64_t>(bytes, 16, 1ull << 40); break;
    case 3: poke<std::uint64_t>(bytes, 24 + 8 + 20 + 4, 1ull << 20); break;  // the architecture string
    case 4: poke<std::uint32_t>(bytes, 24 + 8 + 20, 99); break;  // type of "general.architecture"
    case 5: poke<std::uint32_t>(bytes, t0 + 4 + 16, 77); break;
    case 6: poke<std::uint64_t>(bytes, t1 + 4 + 16 + 4, 48); break;
    case 7: poke<std::uint64_t>(bytes, t1 + 4 + 16 + 4, 1024); break;
    case 8: poke<std::uint64_t>(bytes, t1 + 4 + 16 + 4, 32); break;  // second tensor inside the first
    case 9: poke<std::uint64_t>(bytes, t1 + 4, 16); break;
    case 10: {
        const std::size_t at = find(bytes, "tokenizer.ggml.tokens") + 21 + 4 + 4;
        poke<std::uint64_t>(bytes, at, 1ull << 40);
        break;
    }
    case 11: {
        b = GgufBuilder();
        b.u32("dup", 1).u32("dup", 2);
        bytes = b.bytes();
        break;
    }
    case 12: {
        b = GgufBuilder();
        b.tensorF32("w", {1}, {1.f}).tensorF32("w", {1}, {2.f});
        bytes = b.bytes();
        break;
    }
    case 13: {
        const std::size_t at = find(bytes, "tokenizer.ggml.add_bos_token") + 28 + 4;
        bytes[at] = 2;
        break;
    }
    case 14: {
        b = GgufBuilder();
        b.u32("general.alignment", 24).tensorF32("w", {1}, {1.f});
        bytes = b.bytes();
        break;
    }
    case 15: poke<std::uint32_t>(bytes, t0, 5); break;
    case 16: {
        poke<std::uint64_t>(bytes, t0 + 4, 1ull << 40);
        poke<std::uint64_t>(bytes, t0 + 12, 1ull << 40);
        break;
    }
    }
    GgufBuilder::write(path("bad.gguf"), bytes);
    auto r = GgufFile::open(path("bad.gguf"));
    QVERIFY2(!r, qPrintable(expected));
    QCOMPARE(r.code(), ErrorCode::CorruptFile);
    QVERIFY2(r.error().find("bad.gguf") != std::string::npos, r.error().c_str());
    QVERIFY2(r.error().find(expected.toStdString()) != std::string::npos, r.error().c_str());
    QVERIFY2(r.error().find('\n') == std::string::npos, r.error().c_str());
}

void TestGgufFile::versionOneIsUnsupported() {
    GgufBuilder(1).u32("x", 1).write(path("v1.gguf"));
    auto r = GgufFile::open(path("v1.gguf"));
    QVERIFY(!r);
    QCOMPARE(r.code(), ErrorCode::Unsupported);
    QVERIFY2(r.error().find("GGUF version 1 is not supported") != std::string::npos, r.error().c_str());
}

QTEST_GUILESS_MAIN(TestGgufFile)
#include "test_gguf_file.moc"
