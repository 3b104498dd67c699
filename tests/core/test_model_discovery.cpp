// Model discovery: a fake Hugging Face cache (refs/main, snapshots linking
// into blobs/, a broken link), an Ollama store (a manifest whose model blob
// is a small GGUF file, one whose blob is missing, one that is not JSON), an
// LM Studio folder (with a loop of links), a llama.cpp cache and an added
// folder, all in a temporary HOME named by the environment variables the
// tools use. Each row is checked against what the test wrote (shapes,
// parameter counts read from the files by the test's own parsing, sizes),
// and --model names resolve to the right paths.
#include "support/fake_model_store.h"
#include "support/fixture_models.h"
#include "support/gguf_builder.h"
#include "support/test_paths.h"
#include "support/verify_result.h"

#include "attnviz/core/model.h"
#include "attnviz/core/model_discovery.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <cstdint>
#include <fstream>
#include <map>

#include <sys/stat.h>

using namespace attnviz;
namespace fs = std::filesystem;

namespace {

const std::string kBlobHex = std::string(63, 'a') + "1";      // the Ollama model blob
const std::string kTemplateHex = std::string(63, 'b') + "2";  // its template layer
const std::string kMissingHex = std::string(63, 'c') + "3";   // a blob that is not there

// A small GGUF v3 file of a llama-shaped model: the shape keys the listing
// reads, the rest of what a llama config needs, and one F32 tensor of 8 x 4
// (32 parameters).
void writeGguf(const fs::path& path, const std::string& arch, std::uint32_t layers, std::uint32_t heads,
               std::uint32_t kvHeads) {
    fs::create_directories(path.parent_path());
    test::GgufBuilder b(3);
    b.string("general.architecture", arch).u32(arch + ".block_count", layers);
    b.u32(arch + ".context_length", 64).u32(arch + ".embedding_length", 8);
    b.u32(arch + ".attention.head_count", heads).u32(arch + ".attention.head_count_kv", kvHeads);
    b.u32(arch + ".feed_forward_length", 16).f32(arch + ".attention.layer_norm_rms_epsilon", 1e-5f);
    b.tensorF32("token_embd.weight", {8, 4}, std::vector<float>(32, 0.25f));  // (4, 8)
    b.write(path);
}

// Elements of every tensor of a .safetensors file, read with the test's own
// parsing of its header.
std::uint64_t safetensorsParameters(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::uint64_t n = 0;
    in.read(reinterpret_cast<char*>(&n), 8);
    std::string header(n, '\0');
    in.read(header.data(), static_cast<std::streamsize>(n));
    std::uint64_t total = 0;
    const nlohmann::json tensors = nlohmann::json::parse(header);
    for (const auto& [name, t] : tensors.items()) {
        if (name == "__metadata__") continue;
        std::uint64_t numel = 1;
        for (const auto& d : t["shape"]) numel *= d.get<std::uint64_t>();
        total += numel;
    }
    return total;
}

std::uint64_t fileBytes(const fs::path& p) { return fs::file_size(p); }

const core::DiscoveredModel* rowNamed(const std::vector<core::DiscoveredModel>& rows, const std::string& name,
                                      const std::string& source) {
    for (const auto& r : rows) {
        if (r.name == name && r.source == source) return &r;
    }
    return nullptr;
}

std::string namesOf(const std::vector<core::DiscoveredModel>& rows) {
    std::string s;
    for (const auto& r : rows) s += r.source + ":" + r.name + " ";
    return s;
}

}  // namespace

class TestModelDiscovery : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void rootsFollowTheEnvironment();
    void huggingFaceRows();
    void ollamaRows();
    void lmStudioAndLlamaCppRows();
    void addedFolderRows();
    void realGgufFileRow();
    void walkIsBounded();
    void namesResolve_data();
    void namesResolve();
    void storeNames();
    void pathsPassThrough();

private:
    fs::path root() const { return m_tmp.path().toStdString(); }
    fs::path hub() const { return root() / "home/.cache/huggingface/hub"; }
    std::vector<core::DiscoveredModel> listing() const {
        return core::discoverModels(core::defaultDiscoveryRoots({m_added})).models;
    }

    QTemporaryDir m_tmp;
    QTemporaryDir m_fixtures;
    fs::path m_llamaSnapshot;  // the snapshot refs/main names
    fs::path m_fixtureDir;     // tiny-llama as written by the fixture writer
    fs::path m_added;
    fs::path m_addedModel;
};

void TestModelDiscovery::initTestCase() {
    QVERIFY(m_tmp.isValid());
    QVERIFY(m_fixtures.isValid());
    const fs::path home = root() / "home";
    fs::create_directories(home);
    qputenv("HOME", QByteArray::fromStdString(home.string()));
    qunsetenv("HF_HOME");
    qputenv("HF_HUB_CACHE", QByteArray::fromStdString(hub().string()));
    qputenv("OLLAMA_MODELS", QByteArray::fromStdString((root() / "ollama").string()));
    qputenv("LLAMA_CACHE", QByteArray::fromStdString((root() / "llamacache").string()));

    // Hugging Face: models--attnviz-test--tiny-llama with two snapshots; the
    // older one, named by refs/main, is the real model; the newer one is junk.
    ATTNVIZ_UNWRAP(fixture, test::writeFixture(m_fixtures, "tiny-llama"));
    m_fixtureDir = fixture;
    m_llamaSnapshot = test::writeHfCacheRepo(hub(), "attnviz-test", "tiny-llama", fixture, "1111aaaa");
    const fs::path repo = hub() / "models--attnviz-test--tiny-llama";
    test::writeText(repo / "snapshots/2222bbbb/config.json", "{ not json");
    fs::last_write_time(repo / "snapshots/2222bbbb",
                        fs::last_write_time(m_llamaSnapshot) + std::chrono::hours(1));

    // A download whose blobs never arrived: broken links.
    const fs::path broken = hub() / "models--attnviz-test--broken/snapshots/3333";
    fs::create_directories(broken);
    fs::create_symlink("../../blobs/missing-config", broken / "config.json");
    fs::create_symlink("../../blobs/missing-weights", broken / "model.safetensors");
    // A GGUF repository: .gguf files, no config.json.
    writeGguf(hub() / "models--org--tiny-GGUF/snapshots/4444/tiny-Q8_0.gguf", "llama", 3, 4, 2);
    // Not models: skipped.
    fs::create_directories(hub() / "datasets--org--data/snapshots/5555");
    fs::create_directories(hub() / ".locks/models--org--x");

    // Ollama: a good manifest, one pointing at a missing blob, one not JSON.
    const fs::path ollama = root() / "ollama";
    writeGguf(ollama / "blobs" / ("sha256-" + kBlobHex), "llama", 3, 4, 2);
    test::writeText(ollama / "blobs" / ("sha256-" + kTemplateHex), "{{ .Prompt }}");
    const std::string manifest = R"({"schemaVersion":2,"layers":[
        {"mediaType":"application/vnd.ollama.image.model","digest":"sha256:)" + kBlobHex + R"(","size":1},
        {"mediaType":"application/vnd.ollama.image.template","digest":"sha256:)" + kTemplateHex + R"(","size":13}]})";
    test::writeText(ollama / "manifests/registry.ollama.ai/library/tinyllama/1b", manifest);
    test::writeText(ollama / "manifests/registry.ollama.ai/library/tinyllama/latest", manifest);  // a second tag, same blob
    test::writeText(ollama / "manifests/registry.ollama.ai/someone/other/latest",
              R"({"layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:)" + kMissingHex +
                  R"("}]})");
    test::writeText(ollama / "manifests/hf.co/org/repo/Q4", "{\"layers\": [");
    // A FIFO where a manifest should be: reading it would block forever.
    QCOMPARE(::mkfifo((ollama / "manifests/hf.co/org/repo/fifo").c_str(), 0600), 0);
    QCOMPARE(::mkfifo((hub() / "models--org--tiny-GGUF/snapshots/4444/pipe.gguf").c_str(), 0600), 0);

    // LM Studio: one file in one repository, two in another, a loop of links.
    const fs::path lms = home / ".lmstudio/models";
    writeGguf(lms / "pub/single-GGUF/single-Q4_K_M.gguf", "mamba", 2, 0, 0);
    writeGguf(lms / "pub/multi/a.gguf", "llama", 1, 2, 1);
    writeGguf(lms / "pub/multi/b.gguf", "llama", 1, 2, 2);
    fs::create_directory_symlink("..", lms / "pub/multi/loop");
    // llama.cpp's cache: a flat folder; a broken link and a link to itself.
    const fs::path cache = root() / "llamacache";
    writeGguf(cache / "a.gguf", "llama", 4, 4, 4);
    fs::create_symlink("nowhere.gguf", cache / "gone.gguf");
    fs::create_symlink("cycle.gguf", cache / "cycle.gguf");

    // An added folder holding a real model (written by the fixture writer)
    // a few levels down.
    m_added = root() / "added";
    ATTNVIZ_UNWRAP(gpt2, test::writeFixture(m_fixtures, "tiny-gpt2"));
    m_addedModel = m_added / "work/tiny-gpt2";
    fs::create_directories(m_added / "work");
    fs::copy(gpt2, m_addedModel, fs::copy_options::recursive);
}

void TestModelDiscovery::rootsFollowTheEnvironment() {
    const fs::path home = root() / "home";
    auto roots = core::defaultDiscoveryRoots({m_added});
    QCOMPARE(roots.huggingFace, std::vector<fs::path>{hub()});
    QCOMPARE(roots.ollama, std::vector<fs::path>{root() / "ollama"});
    QCOMPARE(roots.lmStudio, (std::vector<fs::path>{home / ".lmstudio/models", home / ".cache/lm-studio/models"}));
    QCOMPARE(roots.llamaCpp, std::vector<fs::path>{root() / "llamacache"});
    QCOMPARE(roots.folders, std::vector<fs::path>{m_added});

    // HF_HOME/hub without HF_HUB_CACHE; ~/.cache/huggingface/hub without
    // either; ~/.ollama/models and ~/.cache/llama.cpp by default.
    const QByteArray hubCache = qgetenv("HF_HUB_CACHE");
    const QByteArray ollama = qgetenv("OLLAMA_MODELS");
    const QByteArray llama = qgetenv("LLAMA_CACHE");
    qunsetenv("HF_HUB_CACHE");
    qputenv("HF_HOME", "/elsewhere/hf");
    QCOMPARE(core::defaultDiscoveryRoots().huggingFace, std::vector<fs::path>{fs::path("/elsewhere/hf/hub")});
    qunsetenv("HF_HOME");
    qunsetenv("OLLAMA_MODELS");
    qunsetenv("LLAMA_CACHE");
    roots = core::defaultDiscoveryRoots();
    QCOMPARE(roots.huggingFace, std::vector<fs::path>{home / ".cache/huggingface/hub"});
    QCOMPARE(roots.ollama, std::vector<fs::path>{home / ".ollama/models"});
    QCOMPARE(roots.llamaCpp, std::vector<fs::path>{home / ".cache/llama.cpp"});
    qputenv("HF_HUB_CACHE", hubCache);
    qputenv("OLLAMA_MODELS", ollama);
    qputenv("LLAMA_CACHE", llama);
}

void TestModelDiscovery::huggingFaceRows() {
    const auto rows = listing();
    const auto* llama = rowNamed(rows, "attnviz-test/tiny-llama", "huggingface");
    QVERIFY2(llama, namesOf(rows).c_str());
    QCOMPARE(llama->path, m_llamaSnapshot);  // refs/main's, not the newer junk snapshot
    const auto config = nlohmann::json::parse(std::ifstream(m_fixtureDir / "config.json"));
    QCOMPARE(llama->architecture, config["model_type"].get<std::string>());
    QCOMPARE(*llama->layers, config["num_hidden_layers"].get<int>());
    QCOMPARE(*llama->heads, config["num_attention_heads"].get<int>());
    QCOMPARE(*llama->kvHeads, config["num_key_value_heads"].get<int>());
    QCOMPARE(*llama->parameters, safetensorsParameters(m_fixtureDir / "model.safetensors"));
    QCOMPARE(llama->dtype, std::string("F32"));
    QCOMPARE(llama->bytes, fileBytes(m_fixtureDir / "config.json") + fileBytes(m_fixtureDir / "model.safetensors"));
    QVERIFY2(llama->supported, llama->reason.c_str());
    QVERIFY2(llama->reason.find("tokenizer") != std::string::npos, llama->reason.c_str());  // the fixture has none

    const auto* broken = rowNamed(rows, "attnviz-test/broken", "huggingface");
    QVERIFY2(broken, namesOf(rows).c_str());
    QVERIFY(!broken->supported);
    QVERIFY2(broken->reason.find("broken link") != std::string::npos, broken->reason.c_str());
    QCOMPARE(broken->bytes, std::uint64_t{0});

    // Two .gguf entries (one a FIFO): each is named by its file.
    const auto* gguf = rowNamed(rows, "org/tiny-GGUF/tiny-Q8_0", "huggingface");
    QVERIFY2(gguf, namesOf(rows).c_str());
    const auto* pipe = rowNamed(rows, "org/tiny-GGUF/pipe", "huggingface");
    QVERIFY2(pipe && !pipe->supported, namesOf(rows).c_str());
    QVERIFY2(pipe->reason.find("not a regular file") != std::string::npos, pipe->reason.c_str());
    QCOMPARE(gguf->path, hub() / "models--org--tiny-GGUF/snapshots/4444/tiny-Q8_0.gguf");
    QCOMPARE(gguf->architecture, std::string("llama"));
    QCOMPARE(*gguf->layers, 3);

    for (const auto& r : rows) QVERIFY2(r.name.find("data") == std::string::npos, r.name.c_str());
}

void TestModelDiscovery::ollamaRows() {
    const auto rows = listing();
    const fs::path ollama = root() / "ollama";
    const auto* tiny = rowNamed(rows, "tinyllama:1b", "ollama");
    QVERIFY2(tiny, namesOf(rows).c_str());
    QCOMPARE(tiny->path, ollama / "blobs" / ("sha256-" + kBlobHex));
    QCOMPARE(tiny->architecture, std::string("llama"));
    QCOMPARE(*tiny->layers, 3);
    QCOMPARE(*tiny->heads, 4);
    QCOMPARE(*tiny->kvHeads, 2);
    QCOMPARE(*tiny->parameters, std::uint64_t{32});
    QCOMPARE(tiny->bytes, fileBytes(tiny->path) + fileBytes(ollama / "blobs" / ("sha256-" + kTemplateHex)));
    QCOMPARE(tiny->dtype, std::string("F32"));
    QVERIFY2(tiny->supported, tiny->reason.c_str());

    const auto* latest = rowNamed(rows, "tinyllama:latest", "ollama");
    QVERIFY2(latest, namesOf(rows).c_str());
    QCOMPARE(latest->path, tiny->path);

    const auto* missing = rowNamed(rows, "someone/other:latest", "ollama");
    QVERIFY2(missing, namesOf(rows).c_str());
    QVERIFY(!missing->supported);
    QVERIFY2(missing->reason.find("missing") != std::string::npos, missing->reason.c_str());
    QVERIFY2(missing->reason.find("sha256-" + kMissingHex) != std::string::npos, missing->reason.c_str());
    QCOMPARE(missing->bytes, std::uint64_t{0});  // the manifest is not the model

    const auto* notJson = rowNamed(rows, "hf.co/org/repo:Q4", "ollama");
    QVERIFY2(notJson, namesOf(rows).c_str());
    QVERIFY(!notJson->supported);
    QVERIFY2(notJson->reason.find("manifests/hf.co/org/repo/Q4") != std::string::npos, notJson->reason.c_str());
    const auto* fifo = rowNamed(rows, "hf.co/org/repo:fifo", "ollama");
    QVERIFY2(fifo && !fifo->supported, namesOf(rows).c_str());
    QVERIFY2(fifo->reason.find("not a regular file") != std::string::npos, fifo->reason.c_str());
}

void TestModelDiscovery::lmStudioAndLlamaCppRows() {
    const auto rows = listing();
    const auto* single = rowNamed(rows, "pub/single-GGUF", "lmstudio");
    QVERIFY2(single, namesOf(rows).c_str());
    QCOMPARE(single->architecture, std::string("mamba"));
    QVERIFY(!single->supported);
    QVERIFY2(single->reason.find("mamba") != std::string::npos, single->reason.c_str());
    const auto* a = rowNamed(rows, "pub/multi/a", "lmstudio");
    const auto* b = rowNamed(rows, "pub/multi/b", "lmstudio");
    QVERIFY2(a && b, namesOf(rows).c_str());
    QCOMPARE(*a->kvHeads, 1);
    QCOMPARE(*b->kvHeads, 2);
    // The loop of links is walked once: no row twice, nothing under "loop".
    std::map<fs::path, int> seen;
    for (const auto& r : rows) {
        if (r.source != "lmstudio") continue;
        std::error_code ec;  // the cycle.gguf link cannot be resolved
        const fs::path canonical = fs::weakly_canonical(r.path, ec);
        QVERIFY2(++seen[ec ? r.path : canonical] == 1, r.name.c_str());
        QVERIFY2(r.name.find("loop") == std::string::npos, r.name.c_str());
    }

    const auto* cached = rowNamed(rows, "a", "llama.cpp");
    QVERIFY2(cached, namesOf(rows).c_str());
    QCOMPARE(*cached->layers, 4);
    QCOMPARE(cached->bytes, fileBytes(root() / "llamacache/a.gguf"));
    for (const char* name : {"gone", "cycle"}) {
        const auto* bad = rowNamed(rows, name, "llama.cpp");
        QVERIFY2(bad, namesOf(rows).c_str());
        QVERIFY(!bad->supported);
        QVERIFY2(bad->reason.find("broken link") != std::string::npos, bad->reason.c_str());
    }
}

void TestModelDiscovery::addedFolderRows() {
    const auto rows = listing();
    const auto* gpt2 = rowNamed(rows, "work/tiny-gpt2", "folder");
    QVERIFY2(gpt2, namesOf(rows).c_str());
    QCOMPARE(gpt2->path, m_addedModel);
    QCOMPARE(gpt2->architecture, std::string("gpt2"));
    QCOMPARE(*gpt2->parameters, safetensorsParameters(m_addedModel / "model.safetensors"));
    QVERIFY2(gpt2->supported, gpt2->reason.c_str());

    // A missing added folder is a warning, not a row.
    auto listing = core::discoverModels(core::defaultDiscoveryRoots({root() / "nowhere"}));
    QCOMPARE(listing.warnings.size(), std::size_t{1});
    QVERIFY(listing.warnings.front().find("nowhere") != std::string::npos);
}

void TestModelDiscovery::realGgufFileRow() {
    ATTNVIZ_REQUIRE_DIR(golden, test::goldenDir, "golden references");
    const fs::path gguf = golden / "gguf/gguf";
    const auto index = nlohmann::json::parse(std::ifstream(gguf / "index.json"))["files"];
    for (const auto& [file, type] : {std::pair{"llama.F32.gguf", "F32"}, std::pair{"llama.Q8_0.gguf", "Q8_0"}}) {
        const auto& entry = index[file];
        const auto& meta = entry["metadata"];
        const auto row = core::describeModelPath(gguf / file, file, "folder");
        QCOMPARE(row.architecture, meta["general.architecture"].get<std::string>());
        QCOMPARE(*row.layers, meta["llama.block_count"].get<int>());
        QCOMPARE(*row.heads, meta["llama.attention.head_count"].get<int>());
        QCOMPARE(*row.kvHeads, meta["llama.attention.head_count_kv"].get<int>());
        QCOMPARE(row.bytes, entry["size_bytes"].get<std::uint64_t>());
        QCOMPARE(row.dtype, std::string(type));  // as the file is named
        QVERIFY2(row.supported, row.reason.c_str());
    }
}

void TestModelDiscovery::walkIsBounded() {
    core::DiscoveryOptions few;
    few.maxEntries = 5;
    auto small = core::discoverModels(core::defaultDiscoveryRoots({m_added}), few);
    QVERIFY(!small.warnings.empty());
    QVERIFY2(small.warnings.back().find("stopped") != std::string::npos, small.warnings.back().c_str());
    QVERIFY(small.models.size() < listing().size());

    core::DiscoveryOptions shallow;
    shallow.maxDepth = 1;  // the added model is two folders down (work/tiny-gpt2)
    core::DiscoveryRoots roots;
    roots.folders = {m_added};
    QVERIFY(core::discoverModels(roots, shallow).models.empty());
    shallow.maxDepth = 2;
    QCOMPARE(core::discoverModels(roots, shallow).models.size(), std::size_t{1});

    std::atomic<bool> cancel{true};
    core::DiscoveryOptions cancelled;
    cancelled.cancel = &cancel;
    QVERIFY(core::discoverModels(core::defaultDiscoveryRoots({m_added}), cancelled).models.empty());
}

void TestModelDiscovery::namesResolve_data() {
    QTest::addColumn<QString>("reference");
    QTest::addColumn<QString>("path");   // relative to the temp dir; "" = an error
    QTest::addColumn<QString>("error");  // what the error says
    const QString snapshot = "home/.cache/huggingface/hub/models--attnviz-test--tiny-llama/snapshots/1111aaaa";
    const QString blob = QString::fromStdString("ollama/blobs/sha256-" + kBlobHex);
    QTest::newRow("org/name") << "attnviz-test/tiny-llama" << snapshot << "";
    QTest::newRow("name alone") << "tiny-llama" << snapshot << "";
    QTest::newRow("name:tag") << "tinyllama:1b" << blob << "";
    QTest::newRow("other case") << "TinyLlama:1B" << blob << "";
    QTest::newRow("lm studio repo") << "single-GGUF" << "" << "mamba";
    QTest::newRow("lm studio file") << "pub/multi/b" << "home/.lmstudio/models/pub/multi/b.gguf" << "";
    QTest::newRow("added folder") << "tiny-gpt2" << "added/work/tiny-gpt2" << "";
    QTest::newRow("ollama without :latest") << "someone/other" << "" << "missing";
    QTest::newRow("ambiguous") << "a" << "" << "names 2 models";
    QTest::newRow("ollama, no tag: latest") << "tinyllama" << blob << "";
    QTest::newRow("unknown, close") << "tinylama:1b" << "" << "close: tinyllama:1b (ollama)";
    QTest::newRow("unknown") << "qqqqqqqqqqqq" << "" << "no listed model";
    QTest::newRow("missing path") << "/no/such/model" << "" << "does not exist";
}

void TestModelDiscovery::namesResolve() {
    QFETCH(QString, reference);
    QFETCH(QString, path);
    QFETCH(QString, error);
    const auto resolved = core::resolveModelReference(reference.toStdString(), std::vector<fs::path>{m_added});
    if (path.isEmpty()) {
        QVERIFY(!resolved);
        QVERIFY2(resolved.error().find(error.toStdString()) != std::string::npos, resolved.error().c_str());
        QVERIFY(resolved.error().find('\n') == std::string::npos);
    } else {
        QVERIFY2(resolved, ATTNVIZ_RESULT_MESSAGE(resolved));
        QCOMPARE(resolved.value(), root() / path.toStdString());
    }
}

void TestModelDiscovery::storeNames() {
    QCOMPARE(core::storeModelName(m_llamaSnapshot), std::string("attnviz-test/tiny-llama"));
    QCOMPARE(core::storeModelName(root() / "ollama/blobs" / ("sha256-" + kBlobHex)), std::string("tinyllama:1b"));
    QCOMPARE(core::storeModelName(root() / "ollama/blobs" / ("sha256-" + kTemplateHex)), std::string());
    QCOMPARE(core::storeModelName(m_addedModel), std::string());
    // Loading takes the store's name, not the revision folder's.
    auto model = core::loadModel(m_llamaSnapshot);
    QVERIFY2(model, ATTNVIZ_RESULT_MESSAGE(model));
    QCOMPARE((*model)->name(), std::string("attnviz-test/tiny-llama"));
}

void TestModelDiscovery::pathsPassThrough() {
    // An existing path is taken as it is, even when a listed name matches.
    QCOMPARE(core::resolveModelReference(m_addedModel.string(), std::vector<core::DiscoveredModel>{}).value(),
             m_addedModel);
    const auto row = core::describeModelPath(m_addedModel, "x", "folder");
    QVERIFY(row.supported);
    QCOMPARE(row.layers.value(), 2);
}

QTEST_GUILESS_MAIN(TestModelDiscovery)
#include "test_model_discovery.moc"
