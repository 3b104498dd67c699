// Loading model folders: configs, tensor names (with and without head-model
// prefixes), tied embeddings, and every kind of bad folder with a clear error
// and the code that says what kind of failure it is.
#include "support/fixture_models.h"
#include "support/verify_result.h"

#include "attnviz/core/model.h"
#include "attnviz/core/safetensors_file.h"
#include "attnviz/core/safetensors_writer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sys/resource.h>
#include <unistd.h>

using namespace attnviz;
using core::DType;
using core::ErrorCode;

namespace {

std::string readText(const std::filesystem::path& p) {
    std::ifstream in(p);
    return {std::istreambuf_iterator<char>(in), {}};
}

// Rewrites a model.safetensors with each tensor renamed (or dropped when the
// rename returns "") and optionally reshaped.
core::Status rewriteTensors(const std::filesystem::path& dir, const std::function<std::string(const std::string&)>& rename) {
    const auto path = dir / "model.safetensors";
    std::vector<core::SafetensorsWriter::Entry> entries;
    std::vector<std::vector<float>> data;
    {
        auto file = core::SafetensorsFile::open(path);
        if (!file) return file.takeError();
        for (const auto& t : file->tensors()) {
            const std::string name = rename(t.name);
            if (name.empty()) continue;
            entries.push_back({name, DType::F32, t.shape});
            data.emplace_back(t.numel);
            core::convertToFloat(t.dtype, t.data, t.numel, data.back().data());
        }
    }
    std::filesystem::remove(path);
    return core::SafetensorsWriter::write(path, entries, [&](std::size_t i, std::vector<float>& out) { out = data[i]; });
}

QString loadError(const std::filesystem::path& dir) {
    auto m = core::loadModel(dir);
    return m.ok() ? QString() : QString::fromStdString(m.error());
}

// Codes compared by name, so a failure prints "I/O error" and not a number.
using attnviz::test::codeName;

// The process's address-space size in bytes (Linux), 0 when unknown.
std::uint64_t addressSpaceBytes() {
    std::ifstream statm("/proc/self/statm");
    std::uint64_t pages = 0;
    statm >> pages;
    return pages * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace

Q_DECLARE_METATYPE(attnviz::core::ErrorCode)

class TestModelLoading : public QObject {
    Q_OBJECT

private slots:
    void everyTinyPresetLoads();
    void halfPrecisionWeightsLoad();
    void unprefixedNamesGiveSameAttention();
    void tiedAndUntiedEmbeddings();
    void badFolders_data();
    void badFolders();
    void fusedQkvConfigs_data();
    void fusedQkvConfigs();
    void runRejectsBadInput();
    void cancelStopsARun();
    void cancelStopsLoading();
    void traceCapIsOutOfMemory();
    void failedAllocationIsOutOfMemory();
    void errorCodeNames();
    void extraLayersInOneWarning_data();
    void extraLayersInOneWarning();
    void missingLayerNamesTensor();
};

void TestModelLoading::everyTinyPresetLoads() {
    QTemporaryDir tmp;
    for (const auto& preset : test::tinyPresets()) {
        ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, preset));
        auto m = core::loadModel(dir);
        QVERIFY2(m.ok(), m.ok() ? "" : m.error().c_str());
        QCOMPARE((*m)->name(), preset);
        QCOMPARE((*m)->config().nLayers, 2);
    }
}

void TestModelLoading::halfPrecisionWeightsLoad() {
    QTemporaryDir tmp;
    for (DType dt : {DType::F16, DType::BF16}) {
        ATTNVIZ_UNWRAP(f32, test::writeFixture(tmp, "tiny-gpt2", 3, DType::F32));
        std::filesystem::rename(f32, f32.string() + "-f32");
        ATTNVIZ_UNWRAP(half, test::writeFixture(tmp, "tiny-gpt2", 3, dt));
        auto a = core::loadModel(f32.string() + "-f32");
        auto b = core::loadModel(half);
        QVERIFY(a.ok() && b.ok());
        const std::vector<std::int32_t> ids = {1, 5, 9, 3};
        auto ta = (*a)->run(ids, {});
        auto tb = (*b)->run(ids, {});
        QVERIFY(ta.ok() && tb.ok());
        // Same seeded weights rounded to 16 bits: close, not equal.
        float worst = 0;
        for (int h = 0; h < 2; ++h)
            for (int i = 0; i < 4; ++i)
                for (int j = 0; j <= i; ++j) worst = std::max(worst, std::fabs(ta->prob(1, h, i, j) - tb->prob(1, h, i, j)));
        QVERIFY2(worst < 0.05f, qPrintable(QString::number(worst)));
        std::filesystem::remove_all(f32.string() + "-f32");
        std::filesystem::remove_all(half);
    }
}

void TestModelLoading::unprefixedNamesGiveSameAttention() {
    // A bare BertModel / GPT2Model / LlamaModel checkpoint has no "bert." /
    // "transformer." / "model." prefix; the name tables accept both.
    QTemporaryDir tmp;
    for (const auto& [preset, prefix] : std::vector<std::pair<std::string, std::string>>{
             {"tiny-bert", "bert."}, {"tiny-gpt2", "transformer."}, {"tiny-llama", "model."}, {"tiny-distilbert", "distilbert."}}) {
        ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, preset));
        auto before = core::loadModel(dir);
        QVERIFY(before.ok());
        const std::vector<std::int32_t> ids = {2, 7, 11, 4, 30};
        auto t1 = (*before)->run(ids, {});
        before.value().reset();
        const std::string strip = prefix;  // clang 14 cannot capture structured bindings
        ATTNVIZ_VERIFY_OK(rewriteTensors(dir, [&](const std::string& n) {
            return n.rfind(strip, 0) == 0 ? n.substr(strip.size()) : n;
        }));
        auto after = core::loadModel(dir);
        QVERIFY2(after.ok(), after.ok() ? "" : after.error().c_str());
        auto t2 = (*after)->run(ids, {});
        QVERIFY(t1.ok() && t2.ok());
        for (int l = 0; l < 2; ++l)
            for (int h = 0; h < 2; ++h)
                for (int i = 0; i < 5; ++i)
                    for (int j = 0; j < 5; ++j) QCOMPARE(t1->prob(l, h, i, j), t2->prob(l, h, i, j));
    }
}

void TestModelLoading::tiedAndUntiedEmbeddings() {
    QTemporaryDir tmp;
    // tiny-mistral is untied: dropping lm_head.weight must fail, naming it.
    ATTNVIZ_UNWRAP(untied, test::writeFixture(tmp, "tiny-mistral"));
    QVERIFY(core::loadModel(untied).ok());
    ATTNVIZ_VERIFY_OK(rewriteTensors(untied, [](const std::string& n) { return n == "lm_head.weight" ? std::string() : n; }));
    QVERIFY(loadError(untied).contains("'lm_head.weight' is missing"));
    // tiny-llama is tied: no lm_head in the file, logits come from the embeddings.
    ATTNVIZ_UNWRAP(tied, test::writeFixture(tmp, "tiny-llama"));
    auto m = core::loadModel(tied);
    QVERIFY(m.ok());
    core::RunOptions options;
    options.computeLogits = true;
    auto trace = (*m)->run(std::vector<std::int32_t>{1, 2, 3}, options);
    QVERIFY(trace.ok());
    QCOMPARE(trace->logits.size(), std::size_t(3 * 50));
}

void TestModelLoading::badFolders_data() {
    QTest::addColumn<QString>("breakage");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<ErrorCode>("code");
    const ErrorCode corrupt = ErrorCode::CorruptFile;
    QTest::newRow("config.json given") << "file" << "is a file of a model folder; open the folder that holds it"
                                       << ErrorCode::InvalidInput;
    QTest::newRow("some other file") << "other-file" << "is a file, not a model folder; attnviz opens Hugging Face"
                                     << ErrorCode::InvalidInput;
    // GGUF files open (test_gguf_models); an empty one says what it lacks.
    QTest::newRow("gguf file") << "gguf-file" << "metadata \"general.architecture\" is missing" << ErrorCode::CorruptFile;
    QTest::newRow("folder of gguf") << "gguf-folder" << "holds GGUF files ('model-q4.gguf') and no config.json; open the .gguf file itself" << ErrorCode::InvalidInput;
    QTest::newRow("hf cache entry") << "hf-cache" << "is a Hugging Face cache entry; open one of its snapshots"
                                    << ErrorCode::InvalidInput;
    QTest::newRow("does not exist") << "missing" << "does not exist" << ErrorCode::Io;
    QTest::newRow("no config") << "no-config" << "no config.json" << ErrorCode::Io;
    QTest::newRow("config not json") << "config-garbage" << "not valid JSON" << corrupt;
    QTest::newRow("config nested 200000 levels") << "config-deep" << "is nested more than 512 levels deep" << corrupt;
    QTest::newRow("config missing field") << "config-missing" << "missing required field \"num_hidden_layers\""
                                          << corrupt;
    QTest::newRow("config bad type") << "config-type" << "must be an integer" << corrupt;
    QTest::newRow("unknown model_type") << "unknown-type" << "unsupported architecture \"mamba\""
                                        << ErrorCode::Unsupported;
    QTest::newRow("unsupported activation") << "gelu-llama" << "hidden_act \"gelu\" is not supported"
                                            << ErrorCode::Unsupported;
    QTest::newRow("no weights") << "no-weights" << "no weights" << ErrorCode::Io;
    QTest::newRow("only pytorch weights") << "pytorch" << "holds only pytorch_model.bin" << ErrorCode::Unsupported;
    QTest::newRow("missing tensor") << "missing-tensor" << "'model.layers.1.self_attn.k_proj.weight' is missing"
                                    << corrupt;
    QTest::newRow("wrong shape") << "wrong-shape" << "has shape [4, 8], expected [8, 8]" << corrupt;
    QTest::newRow("truncated weights") << "truncated" << "model.safetensors" << corrupt;
    QTest::newRow("heads not dividing") << "bad-heads" << "not a multiple of num_key_value_heads" << corrupt;
    QTest::newRow("unsupported rope scaling") << "rope-yarn" << "rope_scaling type \"yarn\" is not supported"
                                              << ErrorCode::Unsupported;
}

void TestModelLoading::badFolders() {
    QFETCH(QString, breakage);
    QFETCH(QString, expected);
    QFETCH(ErrorCode, code);
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, "tiny-llama"));
    auto editConfig = [&](const std::function<void(nlohmann::json&)>& edit) {
        auto j = nlohmann::json::parse(readText(dir / "config.json"));
        edit(j);
        std::ofstream(dir / "config.json") << j.dump();
    };
    std::filesystem::path target = dir;
    if (breakage == "file") target = dir / "config.json";
    else if (breakage == "other-file") {
        target = dir / "notes.txt";
        std::ofstream(target) << "hello";
    } else if (breakage == "gguf-file" || breakage == "gguf-folder") {
        std::filesystem::remove(dir / "config.json");
        std::ofstream(dir / "model-q4.gguf", std::ios::binary) << "GGUF\x03" << std::string(60, '\0');
        if (breakage == "gguf-file") target = dir / "model-q4.gguf";
    } else if (breakage == "hf-cache") {
        std::filesystem::remove(dir / "config.json");
        std::filesystem::create_directories(dir / "snapshots" / "abc123");
    } else if (breakage == "missing") target = dir / "nowhere";
    else if (breakage == "no-config") std::filesystem::remove(dir / "config.json");
    else if (breakage == "config-garbage") std::ofstream(dir / "config.json") << "{\"model_type\": ";
    else if (breakage == "config-deep") {
        // A valid config with an unknown field nested far deeper than the
        // stack allows any recursive copy or dump of it.
        const std::string text = readText(dir / "config.json");
        const std::size_t levels = 200000;
        std::ofstream(dir / "config.json") << "{\"x_unknown\": " << std::string(levels, '[') << std::string(levels, ']')
                                           << "," << text.substr(text.find('{') + 1);
    }
    else if (breakage == "config-missing") editConfig([](auto& j) { j.erase("num_hidden_layers"); });
    else if (breakage == "config-type") editConfig([](auto& j) { j["num_attention_heads"] = "two"; });
    else if (breakage == "unknown-type") editConfig([](auto& j) { j["model_type"] = "mamba"; });
    else if (breakage == "gelu-llama") editConfig([](auto& j) { j["hidden_act"] = "gelu"; });
    else if (breakage == "no-weights") std::filesystem::remove(dir / "model.safetensors");
    else if (breakage == "pytorch") {
        std::filesystem::rename(dir / "model.safetensors", dir / "pytorch_model.bin");
    }
    else if (breakage == "missing-tensor")
        ATTNVIZ_VERIFY_OK(rewriteTensors(dir, [](const std::string& n) { return n == "model.layers.1.self_attn.k_proj.weight" ? "" : n; }));
    else if (breakage == "wrong-shape") editConfig([](auto& j) { j["num_key_value_heads"] = 2; });
    else if (breakage == "truncated") std::filesystem::resize_file(dir / "model.safetensors", 600);
    else if (breakage == "bad-heads") editConfig([](auto& j) { j["num_attention_heads"] = 2; j["num_key_value_heads"] = 3; });
    else if (breakage == "rope-yarn") editConfig([](auto& j) { j["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 2.0}}; });
    auto model = core::loadModel(target);
    QVERIFY2(!model.ok(), "the broken folder must not load");
    const QString error = QString::fromStdString(model.error());
    QVERIFY2(error.contains(expected), qPrintable(error));
    if (breakage == "unknown-type") QVERIFY(error.contains("supported: bert"));
    QCOMPARE(codeName(model.code()), codeName(code));
}

void TestModelLoading::fusedQkvConfigs_data() {
    // A GPT-NeoX or Falcon setting attnviz does not run is refused, naming
    // the field; those it reads give the documented numbers.
    QTest::addColumn<QString>("preset");
    QTest::addColumn<QString>("edit");  // JSON object merged into the preset's config
    QTest::addColumn<QString>("expected");  // error text, or "rotaryDims=N" when it loads
    QTest::newRow("pythia-160m preset") << "pythia-160m" << "{}" << "rotaryDims=16";
    QTest::newRow("falcon-40b preset") << "falcon-40b" << "{}" << "rotaryDims=0";  // Falcon rotates whole heads
    QTest::newRow("neox rotary_pct") << "tiny-gpt-neox" << R"({"rotary_pct":0.25})" << "rotaryDims=2";
    QTest::newRow("neox partial_rotary_factor") << "tiny-gpt-neox" << R"({"rotary_pct":null,"partial_rotary_factor":1.0})"
                                                << "rotaryDims=8";
    QTest::newRow("neox odd rotary dims") << "tiny-gpt-neox" << R"({"rotary_pct":0.375})" << "rotary_pct 0.375";
    QTest::newRow("neox disagreeing names") << "tiny-gpt-neox" << R"({"partial_rotary_factor":0.25})"
                                            << "\"rotary_pct\" and \"partial_rotary_factor\" disagree";
    QTest::newRow("neox activation") << "tiny-gpt-neox" << R"({"hidden_act":"quick_gelu"})"
                                     << "hidden_act \"quick_gelu\" is not supported";
    QTest::newRow("neox dynamic rope") << "tiny-gpt-neox" << R"({"rope_scaling":{"type":"dynamic","factor":2.0}})"
                                       << "rope_scaling type \"dynamic\" is not supported";
    QTest::newRow("falcon alibi") << "tiny-falcon" << R"({"alibi":true})" << "alibi=true is not supported";
    QTest::newRow("falcon-7b layout") << "tiny-falcon" << R"({"new_decoder_architecture":false})"
                                      << "new_decoder_architecture=false is not supported";
    QTest::newRow("falcon one norm") << "tiny-falcon" << R"({"num_ln_in_parallel_attn":1})"
                                     << "num_ln_in_parallel_attn=1 is not supported";
}

void TestModelLoading::fusedQkvConfigs() {
    QFETCH(QString, preset);
    QFETCH(QString, edit);
    QFETCH(QString, expected);
    auto json = core::randomModelConfig(preset.toStdString());
    QVERIFY(json.ok());
    nlohmann::json j = nlohmann::json::parse(*json);
    j.merge_patch(nlohmann::json::parse(edit.toStdString()));
    auto config = core::ModelConfig::fromJson(j.dump(), "config.json");
    if (expected.startsWith("rotaryDims=")) {
        QVERIFY2(config.ok(), config.ok() ? "" : config.error().c_str());
        QCOMPARE(QString("rotaryDims=%1").arg(config->rotaryDims), expected);
        return;
    }
    QVERIFY(!config.ok());
    QVERIFY2(QString::fromStdString(config.error()).contains(expected), config.error().c_str());
    QCOMPARE(codeName(config.code()), codeName(ErrorCode::Unsupported));
}

void TestModelLoading::runRejectsBadInput() {
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(bertDir, test::writeFixture(tmp, "tiny-bert"));
    auto bert = core::loadModel(bertDir);
    QVERIFY(bert.ok());
    auto expectError = [&](const std::vector<std::int32_t>& ids, const core::RunOptions& o, const char* expected) {
        auto r = (*bert)->run(ids, o);
        QVERIFY(!r.ok());
        QVERIFY2(QString::fromStdString(r.error()).contains(expected), r.error().c_str());
        QCOMPARE(codeName(r.code()), codeName(ErrorCode::InvalidInput));
    };
    expectError({}, {}, "no tokens");
    expectError({1, 50}, {}, "outside the vocabulary");
    expectError({1, -1}, {}, "outside the vocabulary");
    expectError(std::vector<std::int32_t>(65, 1), {}, "at most 64");
    core::RunOptions types;
    types.tokenTypeIds = {0, 1};
    expectError({1, 2, 3}, types, "2 token types for 3 tokens");
    types.tokenTypeIds = {0, 2, 0};
    expectError({1, 2, 3}, types, "token type 2");
    types.tokenTypeIds = {0, 1, 1};
    QVERIFY((*bert)->run(std::vector<std::int32_t>{1, 2, 3}, types).ok());
}

void TestModelLoading::cancelStopsARun() {
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, "tiny-gpt2"));
    auto m = core::loadModel(dir);
    QVERIFY(m.ok());
    std::atomic<bool> cancel{true};
    core::RunOptions o;
    o.cancel = &cancel;
    auto r = (*m)->run(std::vector<std::int32_t>{1, 2}, o);
    QVERIFY(!r.ok());
    QVERIFY(QString::fromStdString(r.error()).contains("cancelled"));
    QCOMPARE(codeName(r.code()), codeName(ErrorCode::Cancelled));
}

void TestModelLoading::cancelStopsLoading() {
    QTemporaryDir tmp;
    for (const std::string preset : {"tiny-bert", "tiny-gpt2", "tiny-llama"}) {
        ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, preset));
        int calls = 0;
        auto refused = core::loadModel(dir, [&](std::size_t, std::size_t) {
            ++calls;
            return false;
        });
        QVERIFY2(!refused.ok(), preset.c_str());
        QVERIFY2(calls >= 1, preset.c_str());
        QVERIFY2(QString::fromStdString(refused.error()).contains("cancelled"), refused.error().c_str());
        QCOMPARE(codeName(refused.code()), codeName(ErrorCode::Cancelled));
        // Watching the callback leaves a load that goes on untouched.
        QVERIFY(core::loadModel(dir, [](std::size_t, std::size_t) { return true; }).ok());
    }
}

void TestModelLoading::traceCapIsOutOfMemory() {
    // tiny-llama has no learned positions, so only the trace cap stops 16500
    // tokens: 2 layers x 2 heads x 16500^2 floats is 4.1 GiB, over the 2 GiB
    // budget (traceMemoryBudget).
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, "tiny-llama"));
    auto m = core::loadModel(dir);
    QVERIFY(m.ok());
    auto r = (*m)->run(std::vector<std::int32_t>(16500, 1), core::RunOptions{});
    QVERIFY(!r.ok());
    QVERIFY2(QString::fromStdString(r.error()).contains("would need 4.1 GiB (budget 2.0 GiB)"), r.error().c_str());
    QCOMPARE(codeName(r.code()), codeName(ErrorCode::OutOfMemory));
}

void TestModelLoading::failedAllocationIsOutOfMemory() {
#if defined(__SANITIZE_ADDRESS__)
    QSKIP("AddressSanitizer reserves the address space this test limits");
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    QSKIP("AddressSanitizer reserves the address space this test limits");
#endif
#endif
    // 9000 tokens of tiny-llama: 2 x 2 x 9000^2 floats = 1.2 GiB of trace,
    // under the budget, with the address space limited to 512 MiB more than the
    // process holds. The allocation fails; the run must say so, not throw.
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, "tiny-llama"));
    auto m = core::loadModel(dir);
    QVERIFY(m.ok());
    const std::vector<std::int32_t> ids(9000, 1);
    const std::uint64_t used = addressSpaceBytes();
    QVERIFY(used > 0);
    rlimit saved{};
    QVERIFY(::getrlimit(RLIMIT_AS, &saved) == 0);
    rlimit tight = saved;
    tight.rlim_cur = used + (512ull << 20);
    if (saved.rlim_cur != RLIM_INFINITY && saved.rlim_cur < tight.rlim_cur) QSKIP("the address space is limited already");
    QVERIFY(::setrlimit(RLIMIT_AS, &tight) == 0);
    auto r = (*m)->run(ids, core::RunOptions{});
    QVERIFY(::setrlimit(RLIMIT_AS, &saved) == 0);
    QVERIFY2(!r.ok(), "the trace should not fit under the limit");
    QCOMPARE(codeName(r.code()), codeName(ErrorCode::OutOfMemory));
    QVERIFY2(QString::fromStdString(r.error()).contains("not enough memory for a run of 9000 tokens"),
             r.error().c_str());
    QVERIFY2(QString::fromStdString(r.error()).contains("1.2 GiB asked for"), r.error().c_str());
    // With the memory back the same run succeeds: the failure left nothing behind.
    QVERIFY((*m)->run(std::vector<std::int32_t>{1, 2, 3}, core::RunOptions{}).ok());
}

void TestModelLoading::errorCodeNames() {
    // What callers print beside a message; each code has its own.
    const std::pair<ErrorCode, const char*> names[] = {
        {ErrorCode::InvalidInput, "invalid input"}, {ErrorCode::Unsupported, "unsupported"},
        {ErrorCode::Cancelled, "cancelled"},         {ErrorCode::OutOfMemory, "out of memory"},
        {ErrorCode::Io, "I/O error"},                {ErrorCode::CorruptFile, "corrupt file"},
        {ErrorCode::Internal, "internal error"},
    };
    for (const auto& [code, name] : names) QCOMPARE(codeName(code), QString(name));
    // A value outside the enumeration (a bug) still gets a name, not garbage.
    QCOMPARE(codeName(static_cast<ErrorCode>(99)), QString("internal error"));
}

namespace {

// `preset`'s config with its layer count (whatever the field is called) set to `layers`.
std::string withLayers(const std::string& preset, int layers) {
    auto text = core::randomModelConfig(preset);
    if (!text) return {};
    nlohmann::json j = nlohmann::json::parse(*text);
    for (const char* key : {"n_layer", "num_hidden_layers", "num_layers", "n_layers"}) {
        if (j.contains(key)) j[key] = layers;
    }
    if (j.contains("attention_layers")) {  // gpt-neo lists one type per layer
        j["attention_layers"] = nlohmann::json::array();
        for (int l = 0; l < layers; ++l) j["attention_layers"].push_back(l % 2 ? "local" : "global");
        j["attention_types"] = nlohmann::json::array({nlohmann::json::array({nlohmann::json::array({"global", "local"}), layers / 2})});
    }
    return j.dump();
}

}  // namespace

// Weights of 4 layers under a config of 2: one warning naming the layers,
// not one tensor name per extra tensor; the model runs its 2 layers.
void TestModelLoading::extraLayersInOneWarning_data() {
    QTest::addColumn<QString>("preset");
    QTest::newRow("gpt2") << "tiny-gpt2";
    QTest::newRow("llama") << "tiny-llama";
    QTest::newRow("bert") << "tiny-bert";
    QTest::newRow("gpt-neo") << "tiny-gpt-neo";
}

void TestModelLoading::extraLayersInOneWarning() {
    QFETCH(QString, preset);
    QTemporaryDir tmp;
    const std::string four = withLayers(preset.toStdString(), 4);
    QVERIFY(!four.empty());
    ATTNVIZ_UNWRAP(dir, test::writeConfigFixture(tmp, "m", four));
    std::ofstream(dir / "config.json", std::ios::trunc) << withLayers(preset.toStdString(), 2);
    ATTNVIZ_UNWRAP(model, core::loadModel(dir));
    QCOMPARE(model->config().nLayers, 2);
    const auto& warnings = model->loadWarnings();
    QVERIFY2(warnings.size() == 1, warnings.empty() ? "no warning" : warnings.back().c_str());
    const QString w = QString::fromStdString(warnings.front());
    QVERIFY2(w.startsWith("'model.safetensors' holds layers 2..3 ("), qPrintable(w));
    QVERIFY2(w.endsWith(" tensors) beyond the 2 layers config.json declares: ignored"), qPrintable(w));
    QVERIFY2(!w.contains(".2.") && !w.contains(".3."), qPrintable(w));  // no tensor names
}

// Weights of 2 layers under a config of 3: the first missing tensor is named.
void TestModelLoading::missingLayerNamesTensor() {
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, "tiny-gpt2"));
    std::ofstream(dir / "config.json", std::ios::trunc) << withLayers("tiny-gpt2", 3);
    const QString error = loadError(dir);
    QVERIFY2(error.contains("tensor 'h.2.") || error.contains("tensor 'transformer.h.2."), qPrintable(error));
    QVERIFY2(error.contains("is missing from 'model.safetensors'"), qPrintable(error));
}

QTEST_APPLESS_MAIN(TestModelLoading)
#include "test_model_loading.moc"
