// Corrupt model files (model.safetensors, config.json, non-finite weights)
// made at test time from a valid tiny fixture and run through attnviz-cli:
// each must exit 1 with one error line naming the file and what is wrong,
// leaving no temporary file and an existing output untouched.
#include "bad_input_builder.h"

#include "support/fixture_models.h"
#include "support/verify_result.h"

#include "attnviz/core/gguf_model.h"
#include "attnviz/core/random_model.h"

#include <QFile>
#include <QtTest>

#include <cmath>
#include <cstring>
#include <limits>

#include <sys/stat.h>

using namespace attnviz;
using namespace attnviz::test::bad;

namespace {

QStringList attentionArgs(const QString& dir) { return {"attention", "--model", dir, "--ids", "1,2,3"}; }

// A case that rewrites model.safetensors from its parsed parts.
Case weights(const char* name, std::function<void(Safetensors&)> edit, QString key) {
    return {name,
            [edit](const QString& dir) {
                Safetensors st = readSafetensors(dir + "/model.safetensors");
                edit(st);
                writeSafetensors(dir + "/model.safetensors", st);
                return attentionArgs(dir);
            },
            "model.safetensors", std::move(key)};
}

// A case that replaces model.safetensors with raw bytes.
Case rawWeights(const char* name, std::function<QByteArray(const QByteArray&)> edit, QString key) {
    return {name,
            [edit](const QString& dir) {
                const QString path = dir + "/model.safetensors";
                writeBytes(path, edit(readBytes(path)));
                return attentionArgs(dir);
            },
            "model.safetensors", std::move(key)};
}

// A case that edits config.json (parsed) or replaces its text.
Case config(const char* name, std::function<void(nlohmann::ordered_json&)> edit, QString key) {
    return {name,
            [edit](const QString& dir) {
                auto j = nlohmann::ordered_json::parse(readBytes(dir + "/config.json").toStdString());
                edit(j);
                writeBytes(dir + "/config.json", QByteArray::fromStdString(j.dump()));
                return attentionArgs(dir);
            },
            "config.json", std::move(key)};
}
Case configText(const char* name, QByteArray text, QString key) {
    return {name,
            [text](const QString& dir) {
                writeBytes(dir + "/config.json", text);
                return attentionArgs(dir);
            },
            "config.json", std::move(key)};
}

// A case whose run (not its load) fails: the error names the layer (and the
// weights file, checked by `weights`).
Case layerRun(const char* name, std::function<void(Safetensors&)> edit, QString layer) {
    return weights(name, std::move(edit), std::move(layer));
}

QByteArray lengthPrefix(std::uint64_t len) { return QByteArray(reinterpret_cast<const char*>(&len), 8); }

// Sets float `index` of tensor `tensor` (F32) to `value`.
void setFloat(Safetensors& st, const std::string& tensor, std::size_t index, float value) {
    const auto begin = st.header[tensor]["data_offsets"][0].get<std::size_t>();
    std::memcpy(st.data.data() + begin + index * 4, &value, 4);
}

std::vector<Case> safetensorsCases() {
    std::vector<Case> cases;
    static const char* truncatedNames[] = {"truncated to 0 bytes", "truncated to 1 byte",  "truncated to 2 bytes",
                                           "truncated to 3 bytes", "truncated to 4 bytes", "truncated to 5 bytes",
                                           "truncated to 6 bytes", "truncated to 7 bytes"};
    for (int n = 0; n < 8; ++n) {
        cases.push_back(rawWeights(truncatedNames[n], [n](const QByteArray& b) { return b.left(n); }, "too short"));
    }
    cases.push_back(rawWeights("header length beyond the file",
                               [](const QByteArray& b) { return lengthPrefix(1 << 20) + b.mid(8); }, "beyond the end"));
    cases.push_back(rawWeights("header not JSON",
                               [](const QByteArray&) { return lengthPrefix(8) + QByteArray("{oops!  "); }, "not valid JSON"));
    cases.push_back(rawWeights("header nested 100k levels",
                               [](const QByteArray&) {
                                   const QByteArray deep = deepJson(100000);
                                   return lengthPrefix(static_cast<std::uint64_t>(deep.size())) + deep;
                               },
                               "nested"));
    cases.push_back(weights("data_offsets out of range", [](Safetensors& st) {
        const std::string t = tensorNamed(st, "ln_f.weight");
        const auto size = static_cast<std::uint64_t>(st.data.size());
        st.header[t]["data_offsets"] = {size, size + 32};
    }, "not within"));
    cases.push_back(weights("data_offsets overlapping", [](Safetensors& st) {
        const std::string a = tensorNamed(st, "ln_f.weight");
        const std::string b = tensorNamed(st, "ln_f.bias");
        st.header[b]["data_offsets"] = st.header[a]["data_offsets"];
    }, "overlaps"));
    cases.push_back(weights("data_offsets reversed", [](Safetensors& st) {
        const std::string t = tensorNamed(st, "ln_f.weight");
        auto& off = st.header[t]["data_offsets"];
        off = {off[1], off[0]};
    }, "end before they begin"));
    cases.push_back(weights("data_offsets not matching shape", [](Safetensors& st) {
        const std::string t = tensorNamed(st, "ln_f.weight");
        auto& off = st.header[t]["data_offsets"];
        off = {off[0], off[1].get<std::uint64_t>() - 4};
    }, "needs"));
    cases.push_back(weights("unknown dtype", [](Safetensors& st) {
        st.header[tensorNamed(st, "ln_f.weight")]["dtype"] = "F7";
    }, "dtype"));
    cases.push_back(weights("negative dimension", [](Safetensors& st) {
        st.header[tensorNamed(st, "ln_f.weight")]["shape"] = {-8};
    }, "non-negative"));
    cases.push_back(weights("dimension product overflows", [](Safetensors& st) {
        const std::uint64_t huge = std::uint64_t(1) << 40;
        st.header[tensorNamed(st, "ln_f.weight")]["shape"] = {huge, huge};
    }, "overflows"));
    cases.push_back({"duplicate tensor names",
                     [](const QString& dir) {
                         const QString path = dir + "/model.safetensors";
                         Safetensors st = readSafetensors(path);
                         const std::string t = tensorNamed(st, "ln_f.weight");
                         // The same name twice: the second entry claims other bytes.
                         std::string text = st.header.dump();
                         nlohmann::ordered_json second = st.header[t];
                         second["data_offsets"] = st.header[tensorNamed(st, "ln_f.bias")]["data_offsets"];
                         text.insert(1, "\"" + t + "\":" + second.dump() + ",");
                         writeSafetensors(path, QByteArray::fromStdString(text), st.data);
                         return attentionArgs(dir);
                     },
                     "model.safetensors", "twice"});
    // A FIFO would block open() until a writer comes: never wait for one.
    cases.push_back({"index names a FIFO shard",
                     [](const QString& dir) {
                         const Safetensors st = readSafetensors(dir + "/model.safetensors");
                         nlohmann::json map = nlohmann::json::object();
                         for (const auto& [name, value] : st.header.items()) {
                             if (name != "__metadata__") map[name] = "shard.safetensors";
                         }
                         QFile::remove(dir + "/model.safetensors");
                         writeBytes(dir + "/model.safetensors.index.json",
                                    QByteArray::fromStdString(nlohmann::json{{"weight_map", map}}.dump()));
                         ::mkfifo(QFile::encodeName(dir + "/shard.safetensors").constData(), 0600);
                         return attentionArgs(dir);
                     },
                     "shard.safetensors", "not a regular file"});
    cases.push_back(rawWeights("data section truncated",
                               [](const QByteArray& b) { return b.left(b.size() - 100); }, "truncated"));
    return cases;
}

std::vector<Case> configCases() {
    std::vector<Case> cases;
    cases.push_back({"config.json missing",
                     [](const QString& dir) {
                         QFile::remove(dir + "/config.json");
                         return attentionArgs(dir);
                     },
                     "config.json", "config.json"});
    cases.push_back(configText("config.json not JSON", "{\"model_type\": \"gpt2\",", "JSON"));
    cases.push_back(configText("config.json nested 100k levels", "{\"a\":" + deepJson(100000) + "}", "nested"));
    cases.push_back(config("n_layer a string", [](auto& j) { j["n_layer"] = "two"; }, "n_layer"));
    cases.push_back(config("n_head does not divide n_embd", [](auto& j) { j["n_head"] = 3; }, "not divisible by 3 heads"));
    cases.push_back(config("1e12 layers", [](auto& j) { j["n_layer"] = 1000000000000LL; }, "n_layer"));
    cases.push_back(config("n_layer 1e12 as a float", [](auto& j) { j["n_layer"] = 1e12; }, "n_layer"));
    cases.push_back(config("n_embd 1e12", [](auto& j) { j["n_embd"] = 1000000000000LL; }, "n_embd"));
    cases.push_back(config("unsupported model_type", [](auto& j) { j["model_type"] = "frobnet"; }, "frobnet"));
    return cases;
}

// Values of the right type but outside their domain (checked by the config
// readers; see the report of issue 20).
std::vector<Case> domainCases() {
    std::vector<Case> cases;
    cases.push_back(config("layer_norm_epsilon 0", [](auto& j) { j["layer_norm_epsilon"] = 0.0; }, "layer_norm_epsilon"));
    cases.push_back(config("layer_norm_epsilon negative", [](auto& j) { j["layer_norm_epsilon"] = -1e-5; }, "layer_norm_epsilon"));
    cases.push_back(config("rope_theta 0 (mistral)", [](auto& j) { j["rope_theta"] = 0.0; }, "rope_theta"));
    cases.push_back(config("rms_norm_eps 0 (mistral)", [](auto& j) { j["rms_norm_eps"] = 0.0; }, "rms_norm_eps"));
    cases.push_back(config("sliding_window negative (mistral)", [](auto& j) { j["sliding_window"] = -3; }, "sliding_window"));
    return cases;
}

std::vector<Case> nonFiniteCases() {
    std::vector<Case> cases;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    cases.push_back(weights("NaN in a norm gain", [nan](Safetensors& st) { setFloat(st, tensorNamed(st, "ln_f.weight"), 3, nan); },
                            "ln_f.weight"));
    cases.push_back(weights("Inf in a norm bias", [inf](Safetensors& st) { setFloat(st, tensorNamed(st, "h.1.ln_2.bias"), 0, -inf); },
                            "h.1.ln_2.bias"));
    // An embedding row the input uses (token 2; the run's ids are 1,2,3).
    cases.push_back(layerRun("NaN in an embedding row", [nan](Safetensors& st) {
        setFloat(st, tensorNamed(st, "wte.weight"), 2 * 8 + 1, nan);
    }, "layer 0"));
    // A projection matrix is not scanned at load: the run stops at the first
    // layer whose attention it reaches, naming that layer.
    cases.push_back(layerRun("NaN in a projection matrix", [nan](Safetensors& st) {
        setFloat(st, tensorNamed(st, "h.0.attn.c_attn.weight"), 0, nan);
    }, "layer 0"));
    cases.push_back(layerRun("Inf in a projection matrix", [inf](Safetensors& st) {
        setFloat(st, tensorNamed(st, "h.0.mlp.c_fc.weight"), 5, inf);
    }, "layer 1"));
    // After the last attention only the predictions see it.
    cases.push_back({"Inf in the last MLP (predict)",
                     [inf](const QString& dir) {
                         Safetensors st = readSafetensors(dir + "/model.safetensors");
                         setFloat(st, tensorNamed(st, "h.1.mlp.c_fc.weight"), 5, inf);
                         writeSafetensors(dir + "/model.safetensors", st);
                         return QStringList{"predict", "--model", dir, "--ids", "1,2,3", "--json"};
                     },
                     "model.safetensors", "logits are NaN or infinite"});
    return cases;
}

// A tiny Llama as a GGUF file (make-model's writer) whose bytes `edit` changes.
Case gguf(const char* name, std::function<QByteArray(const QByteArray&)> edit, QString key) {
    return {name,
            [edit](const QString& dir) {
                const QString path = dir + "/model.gguf";
                auto config = core::randomModelConfig("tiny-llama");
                std::FILE* f = std::fopen(path.toLocal8Bit().constData(), "wb");
                if (config && f) (void)core::writeRandomGguf(*config, f, path.toStdString(), {}, core::GgmlType::Q8_0);
                if (f) std::fclose(f);
                writeBytes(path, edit(readBytes(path)));
                return QStringList{"attention", "--model", path, "--ids", "1,2,3"};
            },
            "model.gguf", std::move(key)};
}

QByteArray poke64(QByteArray bytes, int at, quint64 value) {
    std::memcpy(bytes.data() + at, &value, 8);
    return bytes;
}

std::vector<Case> ggufCases() {
    // Layout: magic, version (4 + 4), tensor count (8), kv count (8), then the
    // first key "general.architecture" (8 + 20), its type (4), its string value.
    return {
        gguf("gguf cut in the header", [](const QByteArray& b) { return b.left(30); }, "is more than the file can hold (truncated?)"),
        gguf("gguf cut in the tensor data", [](const QByteArray& b) { return b.left(b.size() - 100); },
             "is not within the file's data section"),
        gguf("gguf tensor count beyond the file", [](const QByteArray& b) { return poke64(b, 8, 1ull << 40); },
             "tensor count 1099511627776 is more than the file can hold"),
        gguf("gguf string longer than the file", [](const QByteArray& b) { return poke64(b, 56, 1ull << 29); },
             "bytes of the file are left"),
        gguf("gguf unsupported architecture",
             [](const QByteArray& b) {
                 QByteArray out = b;
                 const int at = out.indexOf("llama", 60);
                 out.replace(at, 5, "mamba");
                 return out;
             },
             "GGUF architecture \"mamba\" is not supported"),
    };
}

void addRows(const std::vector<Case>& cases) {
    QTest::addColumn<int>("index");
    for (std::size_t i = 0; i < cases.size(); ++i) QTest::newRow(cases[i].name) << static_cast<int>(i);
}

}  // namespace

class TestBadModelFiles : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void safetensors_data() { addRows(safetensorsCases()); }
    void safetensors() { run(safetensorsCases(), m_gpt2); }
    void configFile_data() { addRows(configCases()); }
    void configFile() { run(configCases(), m_gpt2); }
    void configValuesOutOfDomain_data() { addRows(domainCases()); }
    void configValuesOutOfDomain();
    void nonFiniteWeights_data() { addRows(nonFiniteCases()); }
    void nonFiniteWeights() { run(nonFiniteCases(), m_gpt2); }
    void ggufFiles_data() { addRows(ggufCases()); }
    void ggufFiles() { run(ggufCases(), m_gpt2); }

private:
    void run(const std::vector<Case>& cases, const QString& fixture);

    QTemporaryDir m_tmp;
    QString m_gpt2;
    QString m_mistral;
    int m_next = 0;
};

void TestBadModelFiles::initTestCase() {
    ATTNVIZ_UNWRAP(gpt2, test::writeFixture(m_tmp, "tiny-gpt2"));
    ATTNVIZ_UNWRAP(mistral, test::writeFixture(m_tmp, "tiny-mistral"));
    m_gpt2 = QString::fromStdString(gpt2.string());
    m_mistral = QString::fromStdString(mistral.string());
}

void TestBadModelFiles::configValuesOutOfDomain() {
    const bool mistral = QString(QTest::currentDataTag()).contains("mistral");
    run(domainCases(), mistral ? m_mistral : m_gpt2);
}

void TestBadModelFiles::run(const std::vector<Case>& cases, const QString& fixture) {
    QFETCH(int, index);
    const Case& c = cases[static_cast<std::size_t>(index)];
    const QString dir = m_tmp.filePath(QString("case%1").arg(m_next++));
    QVERIFY(copyFolder(fixture, dir));
    const QStringList args = c.build(dir);
    const QString problem = runAndCheck(args, c.file, c.key);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

QTEST_GUILESS_MAIN(TestBadModelFiles)
#include "test_bad_model_files.moc"
