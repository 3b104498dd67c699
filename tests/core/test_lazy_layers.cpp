// LazyLayers: a layer is filled when leased, stays filled while leased,
// least recently used layers are given back beyond the budget and read the
// same values when filled again; a GGUF model run with a budget that forces
// every layer out between runs gives bit-identical attention, and a NaN in
// a layer's weights is found and named (by its GGUF name) even when that
// layer has been given back by the time the run looks for it; F16/BF16
// safetensors converted a layer at a time give the float32 model's numbers;
// a matrix kept transposed reads back as the transpose.
#include "support/test_paths.h"
#include "support/verify_result.h"

#include "attnviz/core/gguf_file.h"
#include "attnviz/core/gguf_model.h"
#include "attnviz/core/lazy_layers.h"
#include "attnviz/core/model.h"
#include "attnviz/core/random_model.h"
#include "attnviz/core/safetensors_file.h"
#include "attnviz/core/safetensors_writer.h"
#include "attnviz/core/weight_store.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>

using namespace attnviz::core;

class TestLazyLayers : public QObject {
    Q_OBJECT

private slots:
    void fillsOnLeaseAndEvictsBeyondBudget();
    void leasedLayersAreNeverEvicted();
    void ggufRunsIdenticalWhateverTheBudget();
    void ggufNanIsNamedWhateverTheBudget_data();
    void ggufNanIsNamedWhateverTheBudget();
    void halfPrecisionSafetensorsPerLayer_data();
    void halfPrecisionSafetensorsPerLayer();
    void transposedMatricesHoldTheTranspose_data();
    void transposedMatricesHoldTheTranspose();
};

namespace {
constexpr std::uint64_t kCount = 4096;  // 16 KiB per tensor, page-aligned layers

// A float32 copy of the model folder `from` (config.json and every tensor,
// each value converted once) in `to`: what the stored F16/BF16 numbers are.
Status writeFloat32Copy(const std::filesystem::path& from, const std::filesystem::path& to) {
    std::filesystem::create_directories(to);
    std::filesystem::copy_file(from / "config.json", to / "config.json", std::filesystem::copy_options::overwrite_existing);
    auto file = SafetensorsFile::open(from / "model.safetensors");
    if (!file) return file.takeError();
    std::vector<SafetensorsWriter::Entry> entries;
    for (const TensorInfo& t : file->tensors()) entries.push_back({t.name, DType::F32, t.shape});
    return SafetensorsWriter::write(to / "model.safetensors", entries, [&](std::size_t i, std::vector<float>& out) {
        const TensorInfo& t = file->tensors()[i];
        out.resize(t.numel);
        convertToFloat(t.dtype, t.data, t.numel, out.data());
    });
}
}  // namespace

void TestLazyLayers::fillsOnLeaseAndEvictsBeyondBudget() {
    std::atomic<int> fills{0};
    LazyLayers lazy(2 * kCount * sizeof(float));  // room for two layers
    std::vector<std::size_t> ids;
    for (int l = 0; l < 4; ++l) {
        ids.push_back(lazy.add(l, kCount, [l, &fills](float* out) {
            ++fills;
            for (std::uint64_t i = 0; i < kCount; ++i) out[i] = static_cast<float>(l * 100000 + i);
        }));
    }
    QVERIFY(lazy.reserve());
    QCOMPARE(fills.load(), 0);  // nothing is filled before a lease
    for (int round = 0; round < 2; ++round) {
        for (int l = 0; l < 4; ++l) {
            auto lease = lazy.lease(l);
            const float* w = lazy.data(ids[static_cast<std::size_t>(l)]);
            QCOMPARE(w[0], static_cast<float>(l * 100000));
            QCOMPARE(w[kCount - 1], static_cast<float>(l * 100000 + kCount - 1));
        }
        QVERIFY(lazy.filledBytes() <= lazy.budgetBytes());
    }
    QCOMPARE(fills.load(), 8);  // two layers fit: each round refills all four
    QCOMPARE(lazy.layerFills(), std::uint64_t{8});
    {
        auto again = lazy.lease(3);  // the most recent layer is still filled
    }
    QCOMPARE(fills.load(), 8);
}

void TestLazyLayers::leasedLayersAreNeverEvicted() {
    LazyLayers lazy(1);  // a budget smaller than any layer
    const std::size_t a = lazy.add(0, kCount, [](float* out) { std::fill(out, out + kCount, 1.0f); });
    const std::size_t b = lazy.add(1, kCount, [](float* out) { std::fill(out, out + kCount, 2.0f); });
    QVERIFY(lazy.reserve());
    auto leaseA = lazy.lease(0);
    {
        auto leaseB = lazy.lease(1);
        QCOMPARE(lazy.data(a)[7], 1.0f);  // A stays while leased, B too
        QCOMPARE(lazy.data(b)[7], 2.0f);
        QCOMPARE(lazy.peakFilledBytes(), 2 * kCount * sizeof(float));
    }
    QCOMPARE(lazy.data(a)[kCount - 1], 1.0f);
    QCOMPARE(lazy.filledBytes(), kCount * sizeof(float));  // B went back when released
}

void TestLazyLayers::ggufRunsIdenticalWhateverTheBudget() {
    ATTNVIZ_REQUIRE_DIR(golden, attnviz::test::goldenDir, "golden references");
    const auto file = golden / "gguf" / "gguf" / "llama.Q8_0.gguf";
    if (!std::filesystem::exists(file)) QSKIP("golden/gguf/gguf/llama.Q8_0.gguf is absent");
    const std::vector<std::int32_t> ids = {1, 450, 3578, 29882, 8172, 2798, 287, 13968, 29892, 769};
    ATTNVIZ_UNWRAP(roomy, loadModel(file));
    ATTNVIZ_UNWRAP(expected, roomy->run(ids, RunOptions{}));
    qputenv("ATTNVIZ_WEIGHT_CACHE_MB", "1");  // smaller than one layer: every layer refilled per run
    auto tightResult = loadModel(file);
    qunsetenv("ATTNVIZ_WEIGHT_CACHE_MB");
    QVERIFY2(tightResult.ok(), ATTNVIZ_RESULT_MESSAGE(tightResult));
    for (int run = 0; run < 2; ++run) {
        ATTNVIZ_UNWRAP(got, (*tightResult)->run(ids, RunOptions{}));
        QCOMPARE(got.nLayers(), expected.nLayers());
        const std::size_t bytes = static_cast<std::size_t>(got.seqLen()) * got.seqLen() * sizeof(float);
        for (int l = 0; l < got.nLayers(); ++l)
            for (int h = 0; h < got.nHeads(); ++h) QVERIFY(std::memcmp(got.probs(l, h), expected.probs(l, h), bytes) == 0);
    }
}

void TestLazyLayers::ggufNanIsNamedWhateverTheBudget_data() {
    QTest::addColumn<QByteArray>("cacheMb");
    QTest::newRow("all layers kept") << QByteArray("1024");
    QTest::newRow("every layer given back") << QByteArray("1");  // below one layer (2.6 MB)
}

void TestLazyLayers::ggufNanIsNamedWhateverTheBudget() {
    QFETCH(QByteArray, cacheMb);
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const std::filesystem::path file = std::filesystem::path(tmp.path().toStdString()) / "nan.gguf";
    auto preset = randomModelConfig("tiny-llama");
    QVERIFY(preset.ok());
    nlohmann::json config = nlohmann::json::parse(*preset);
    config.merge_patch({{"hidden_size", 256}, {"intermediate_size", 512}, {"num_hidden_layers", 3}});
    {
        std::FILE* f = std::fopen(file.c_str(), "wb");
        QVERIFY(f != nullptr);
        const Status written = writeRandomGguf(config.dump(), f, file.string(), RandomModelOptions{}, GgmlType::F32);
        std::fclose(f);
        QVERIFY2(written.ok(), written.error().c_str());
    }
    std::uint64_t at = 0, bytes = 0;
    {
        ATTNVIZ_UNWRAP(gguf, GgufFile::open(file));
        const GgufTensorInfo* t = gguf.tensor("blk.1.attn_q.weight");
        QVERIFY(t != nullptr);
        QCOMPARE(t->type, GgmlType::F32);
        at = gguf.dataOffset() + t->offset;
        bytes = t->byteSize;
    }
    {
        // Every query weight of layer 1 NaN: its scores are NaN whatever the ids.
        std::fstream out(file, std::ios::in | std::ios::out | std::ios::binary);
        out.seekp(static_cast<std::streamoff>(at));
        const std::vector<float> nan(bytes / sizeof(float), std::numeric_limits<float>::quiet_NaN());
        out.write(reinterpret_cast<const char*>(nan.data()), static_cast<std::streamsize>(bytes));
        QVERIFY(out.good());
    }
    qputenv("ATTNVIZ_WEIGHT_CACHE_MB", cacheMb);
    auto loaded = loadModel(file);
    qunsetenv("ATTNVIZ_WEIGHT_CACHE_MB");
    QVERIFY2(loaded.ok(), ATTNVIZ_RESULT_MESSAGE(loaded));
    for (int run = 0; run < 2; ++run) {
        auto trace = (*loaded)->run(std::vector<std::int32_t>{3, 1, 4, 1, 5}, RunOptions{});
        QVERIFY(!trace.ok());
        const QString error = QString::fromStdString(trace.error());
        QVERIFY2(error.contains("the attention scores of layer 1 ") &&
                     error.contains("tensor 'blk.1.attn_q.weight' (model.layers.1.self_attn.q_proj.weight) in '") &&
                     error.contains("nan.gguf' holds NaN at index 0"),
                 trace.error().c_str());
    }
}

void TestLazyLayers::halfPrecisionSafetensorsPerLayer_data() {
    QTest::addColumn<QString>("preset");
    QTest::addColumn<int>("dtype");
    // The families whose F16/BF16 weights are converted a layer at a time
    // (the BERT family included), and ALBERT (converted whole when bound: its
    // layers share one set of weights) as the control.
    for (const char* preset : {"tiny-llama", "tiny-mistral", "tiny-qwen2", "tiny-phi3", "tiny-gemma", "tiny-gemma2",
                               "tiny-gpt2", "tiny-gpt-neox", "tiny-falcon", "tiny-opt", "tiny-opt-350m", "tiny-gpt-neo",
                               "tiny-modernbert", "tiny-bert", "tiny-roberta", "tiny-distilbert", "tiny-electra",
                               "tiny-longformer", "tiny-albert"}) {
        for (const auto& [name, dtype] : {std::pair{"bf16", DType::BF16}, {"f16", DType::F16}}) {
            QTest::newRow((std::string(preset) + " " + name).c_str()) << QString(preset) << static_cast<int>(dtype);
        }
    }
}

void TestLazyLayers::halfPrecisionSafetensorsPerLayer() {
    // The same numbers as the model stored as float32, bit for bit: attention
    // and logits, with every layer kept or with every layer given back and
    // converted again on each run.
    QFETCH(QString, preset);
    QFETCH(int, dtype);
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const std::filesystem::path half = std::filesystem::path(tmp.path().toStdString()) / "half";
    const std::filesystem::path full = std::filesystem::path(tmp.path().toStdString()) / "full";
    ATTNVIZ_UNWRAP(config, randomModelConfig(preset.toStdString()));
    RandomModelOptions options;
    options.dtype = static_cast<DType>(dtype);
    options.qkScale = 8.0f;
    ATTNVIZ_VERIFY_OK(writeRandomModel(config, half, options));
    ATTNVIZ_VERIFY_OK(writeFloat32Copy(half, full));
    const std::vector<std::int32_t> ids = {3, 14, 15, 9, 26, 5, 35, 8, 9, 7};
    RunOptions run;
    run.computeLogits = true;
    ATTNVIZ_UNWRAP(reference, loadModel(full));
    ATTNVIZ_UNWRAP(expected, reference->run(ids, run));
    QVERIFY(!expected.logits.empty());
    for (const char* cacheMb : {"", "1"}) {
        if (*cacheMb) qputenv("ATTNVIZ_WEIGHT_CACHE_MB", cacheMb);
        auto loaded = loadModel(half);
        qunsetenv("ATTNVIZ_WEIGHT_CACHE_MB");
        QVERIFY2(loaded.ok(), ATTNVIZ_RESULT_MESSAGE(loaded));
        const WeightStore* store = (*loaded)->weightStore();
        QVERIFY(store != nullptr);
        QCOMPARE(store->convertsLazily(), preset != QStringLiteral("tiny-albert"));
        // Small models keep their nn.Linear weights transposed, whatever
        // the cache budget.
        QCOMPARE(store->keepsMatricesTransposed(), preset != QStringLiteral("tiny-albert"));
        for (int round = 0; round < 2; ++round) {
            ATTNVIZ_UNWRAP(got, (*loaded)->run(ids, run));
            const std::size_t bytes = static_cast<std::size_t>(got.seqLen()) * got.seqLen() * sizeof(float);
            for (int l = 0; l < got.nLayers(); ++l) {
                for (int h = 0; h < got.nHeads(); ++h) {
                    QVERIFY2(std::memcmp(got.probs(l, h), expected.probs(l, h), bytes) == 0,
                             qPrintable(QString("cache '%1' round %2: L%3 H%4 differs").arg(cacheMb).arg(round).arg(l).arg(h)));
                }
            }
            QVERIFY(got.logits == expected.logits);
        }
    }
}

void TestLazyLayers::transposedMatricesHoldTheTranspose_data() {
    QTest::addColumn<int>("dtype");
    QTest::addColumn<bool>("transpose");
    for (const auto& [name, dtype] : {std::pair{"f32", DType::F32}, {"f16", DType::F16}, {"bf16", DType::BF16}}) {
        QTest::newRow((std::string(name) + " transposed").c_str()) << static_cast<int>(dtype) << true;
        QTest::newRow((std::string(name) + " as stored").c_str()) << static_cast<int>(dtype) << false;
    }
}

void TestLazyLayers::transposedMatricesHoldTheTranspose() {
    // A (3, 5) layer matrix planned transposed reads back as (5, 3); with
    // the store not transposing, as stored. Values exact in every dtype.
    QFETCH(int, dtype);
    QFETCH(bool, transpose);
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const std::filesystem::path dir = tmp.path().toStdString();
    constexpr int kRows = 3, kCols = 5;
    const auto stored = [](int r, int c) { return static_cast<float>(r * 16 + c); };
    const std::vector<SafetensorsWriter::Entry> entries{{"layers.0.w", static_cast<DType>(dtype), {kRows, kCols}}};
    ATTNVIZ_VERIFY_OK(SafetensorsWriter::write(dir / "model.safetensors", entries, [&](std::size_t, std::vector<float>& out) {
        out.resize(kRows * kCols);
        for (int r = 0; r < kRows; ++r)
            for (int c = 0; c < kCols; ++c) out[r * kCols + c] = stored(r, c);
    }));
    ATTNVIZ_UNWRAP(store, WeightStore::open(dir));
    store.convertLayersLazily(1 << 20, transpose);
    QCOMPARE(store.planLazy("layers.0.w", 0, {kRows, kCols}, true), transpose);
    ATTNVIZ_VERIFY_OK(store.reserveLazy());
    ATTNVIZ_UNWRAP(data, store.floats("layers.0.w", {kRows, kCols}));
    const LayerLease lease = store.leaseLayer(0);
    for (int r = 0; r < kRows; ++r) {
        for (int c = 0; c < kCols; ++c) {
            QCOMPARE(data[transpose ? c * kRows + r : r * kCols + c], stored(r, c));
        }
    }
}

QTEST_GUILESS_MAIN(TestLazyLayers)
#include "test_lazy_layers.moc"
