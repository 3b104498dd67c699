// The window survives bad input: a corrupt or hostile model folder opened
// from the GUI fails on the worker and the banner says which file and what is
// wrong, the model on screen stays and keeps running; weights that turn the
// scores into NaN stop the run with the layer and tensor named in place.
#include "support/fixture_models.h"
#include "support/tensor_edit.h"
#include "support/test_settings.h"
#include "support/verify_result.h"
#include "ui_fixture.h"

#include "attnviz/ui/session/session_model.h"
#include "attnviz/ui/window/main_window.h"
#include "window/banner.h"

#include <QStatusBar>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>

using namespace attnviz;

namespace {

using Corruption = std::function<void(const std::filesystem::path& dir)>;

void writeText(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

std::string readText(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Replaces `from` by `to` in the folder's config.json (which must hold it).
Corruption configEdit(std::string from, std::string to) {
    return [from = std::move(from), to = std::move(to)](const std::filesystem::path& dir) {
        std::string text = readText(dir / "config.json");
        const auto at = text.find(from);
        if (at == std::string::npos) qFatal("config.json has no %s", from.c_str());
        writeText(dir / "config.json", text.replace(at, from.size(), to));
    };
}

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

}  // namespace

Q_DECLARE_METATYPE(Corruption)

class TestBadInputsGui : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void badFolderFailsInPlace_data();
    void badFolderFailsInPlace();
    void nanWeightsStopTheRunInPlace();
    void tokenizerBeyondTheModelIsSaid();

private:
    QTemporaryDir m_tmp;
    QTemporaryDir m_settingsDir;
};

void TestBadInputsGui::initTestCase() { QVERIFY(test::isolateSettings(m_settingsDir.path())); }

void TestBadInputsGui::badFolderFailsInPlace_data() {
    QTest::addColumn<Corruption>("corrupt");
    QTest::addColumn<QString>("expected");  // in the banner, besides the folder
    QTest::newRow("weights truncated") << Corruption([](const std::filesystem::path& dir) {
        std::filesystem::resize_file(dir / "model.safetensors", std::filesystem::file_size(dir / "model.safetensors") / 2);
    }) << "model.safetensors";
    QTest::newRow("weights empty") << Corruption([](const std::filesystem::path& dir) {
        writeText(dir / "model.safetensors", "");
    }) << "model.safetensors";
    QTest::newRow("header length beyond the file") << Corruption([](const std::filesystem::path& dir) {
        writeText(dir / "model.safetensors", std::string("\xff\xff\xff\xff\xff\xff\xff\x7f{}", 10));
    }) << "model.safetensors";
    QTest::newRow("config not JSON") << Corruption([](const std::filesystem::path& dir) {
        writeText(dir / "config.json", "{\"model_type\": \"gpt2\",");
    }) << "config.json";
    QTest::newRow("config nested 100k deep") << Corruption([](const std::filesystem::path& dir) {
        writeText(dir / "config.json", std::string(100000, '[') + std::string(100000, ']'));
    }) << "config.json";
    QTest::newRow("unsupported model_type") << configEdit("\"gpt2\"", "\"mamba\"") << "mamba";
    QTest::newRow("heads do not divide the width") << configEdit("\"n_head\":2", "\"n_head\":3") << "not divisible by 3 heads";
    QTest::newRow("layer_norm_epsilon 0") << configEdit("\"layer_norm_epsilon\":1e-05", "\"layer_norm_epsilon\":0")
                                          << "layer_norm_epsilon";
    QTest::newRow("NaN norm gain") << Corruption([](const std::filesystem::path& dir) {
        test::editTensor(dir, "transformer.h.0.ln_1.weight", [](std::vector<float>& v) { v[1] = kNaN; });
    }) << "transformer.h.0.ln_1.weight";
    QTest::newRow("tensor missing") << Corruption([](const std::filesystem::path& dir) {
        std::filesystem::remove(dir / "model.safetensors");
    }) << "model.safetensors";
}

void TestBadInputsGui::badFolderFailsInPlace() {
    QFETCH(Corruption, corrupt);
    QFETCH(QString, expected);
    ui::MainWindow window;
    ui::SessionModel* session = window.session();
    ATTNVIZ_UNWRAP(good, test::loadFixture(m_tmp, "tiny-gpt2"));
    session->setModel(std::move(good));
    const auto before = session->model().model;

    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(bad, test::writeFixture(tmp, "tiny-gpt2"));
    corrupt(bad);
    QSignalSpy failed(session, &ui::SessionModel::loadFailed);
    session->openModel(QString::fromStdString(bad.string()));
    QVERIFY(failed.wait(10000));
    const QString message = failed.last().at(1).toString();
    QVERIFY2(message.contains(expected), qPrintable(message));
    QVERIFY2(!message.contains(QLatin1Char('\n')), qPrintable(message));  // one line

    // Said in place, and the model on screen stays and still runs.
    auto* banner = window.findChild<ui::Banner*>();
    QVERIFY(banner != nullptr);
    QVERIFY(!banner->isHidden());
    QVERIFY2(banner->text().contains(expected), qPrintable(banner->text()));
    QCOMPARE(session->model().model, before);
    QSignalSpy ready(session, &ui::SessionModel::resultReady);
    session->setText(QStringLiteral("1 2 3"));
    session->recompute();
    QVERIFY(ready.wait(10000));
    QCOMPARE(session->result()->tokenCount(), 3);
}

void TestBadInputsGui::nanWeightsStopTheRunInPlace() {
    ui::MainWindow window;
    ui::SessionModel* session = window.session();
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, "tiny-gpt2"));
    test::editTensor(dir, "transformer.h.1.attn.c_attn.weight",
                     [](std::vector<float>& v) { std::fill(v.begin(), v.end(), kNaN); });
    QSignalSpy changed(session, &ui::SessionModel::modelChanged);
    session->openModel(QString::fromStdString(dir.string()));
    QVERIFY(changed.wait(10000));

    QSignalSpy failed(session, &ui::SessionModel::computeFailed);
    session->setText(QStringLiteral("1 2 3"));
    session->recompute();
    QVERIFY(failed.wait(10000));
    const QString message = failed.last().at(0).toString();
    QVERIFY2(message.contains(QStringLiteral("attention scores of layer 1")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("transformer.h.1.attn.c_attn.weight")), qPrintable(message));
    auto* banner = window.findChild<ui::Banner*>();
    QVERIFY(banner != nullptr);
    QVERIFY(!banner->isHidden());
    QVERIFY2(banner->text().contains(QStringLiteral("transformer.h.1.attn.c_attn.weight")), qPrintable(banner->text()));
    QVERIFY(!session->isComputing());
}

// A vocab.txt with more ids than the model's vocab_size: the status bar says
// so at load, naming the file, and a word beyond the model fails its run in
// place, naming the token and its id.
void TestBadInputsGui::tokenizerBeyondTheModelIsSaid() {
    ui::MainWindow window;
    ui::SessionModel* session = window.session();
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, "tiny-gpt2"));  // vocab_size 50
    std::string vocab = "[UNK]\n[CLS]\n[SEP]\n";
    for (int id = 3; id < 59; ++id) vocab += (id == 55 ? std::string("hello") : id == 7 ? "hi" : "t" + std::to_string(id)) + "\n";
    writeText(dir / "vocab.txt", vocab);
    writeText(dir / "tokenizer_config.json", R"({"tokenizer_class": "BertTokenizer"})");
    QSignalSpy changed(session, &ui::SessionModel::modelChanged);
    session->openModel(QString::fromStdString(dir.string()));
    QVERIFY(changed.wait(10000));
    const QString status = window.statusBar()->currentMessage();
    QVERIFY2(status.contains(QStringLiteral("vocab.txt")) && status.contains(QStringLiteral("vocab_size is 50")),
             qPrintable(status));

    QSignalSpy failed(session, &ui::SessionModel::computeFailed);
    session->setText(QStringLiteral("hi hello"));
    session->recompute();
    QVERIFY(failed.wait(10000));
    auto* banner = window.findChild<ui::Banner*>();
    QVERIFY(banner != nullptr);
    QVERIFY2(banner->text().contains(QStringLiteral("token 'hello' (id 55")), qPrintable(banner->text()));
}

QTEST_MAIN(TestBadInputsGui)
#include "test_bad_inputs_gui.moc"
