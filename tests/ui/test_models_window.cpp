// The Models window over a fake store in a temporary HOME (a Hugging Face
// cache entry holding a real tiny model, an Ollama manifest whose blob is
// missing, an LM Studio GGUF of an architecture attnviz does not run): the
// rows, greyed unsupported rows with their reason, sorting by value, added
// folders remembered, double-click opening the supported model (checked on
// the loaded model's config), --model NAME at start, .gguf drops.
#include "support/fake_model_store.h"
#include "support/fixture_models.h"
#include "support/gguf_builder.h"
#include "support/test_settings.h"
#include "support/verify_result.h"
#include "attnviz/ui/session/session_model.h"
#include "attnviz/ui/window/main_window.h"
#include "window/app_settings.h"
#include "window/banner.h"
#include "window/model_drop.h"
#include "window/model_list.h"
#include "window/models_window.h"

#include <QMimeData>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QUrl>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using namespace attnviz;
namespace fs = std::filesystem;

namespace {

// The view row showing the model named `name` ("" when none).
int viewRowOf(const ui::ModelsWindow& w, const std::string& name) {
    const QAbstractItemModel* view = w.table()->model();
    for (int r = 0; r < view->rowCount(); ++r) {
        if (view->index(r, ui::ModelList::Name).data().toString().toStdString() == name) return r;
    }
    return -1;
}

void doubleClickRow(ui::ModelsWindow& w, int row) {
    QTableView* table = w.table();
    const QRect rect = table->visualRect(table->model()->index(row, ui::ModelList::Name));
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, rect.center());
    QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, rect.center());
}

}  // namespace

class TestModelsWindow : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void listsTheStore();
    void doubleClickOpensTheSupportedModel();
    void addedFoldersAreRemembered();
    void modelNameAtStart();
    void firstStartOffersTheModels();
    void ggufDrops();

private:
    fs::path root() const { return m_tmp.path().toStdString(); }
    QTemporaryDir m_tmp;
    QTemporaryDir m_fixtures;
    QTemporaryDir m_settingsDir;
    fs::path m_snapshot;
    nlohmann::json m_config;
};

void TestModelsWindow::initTestCase() {
    QVERIFY(test::isolateSettings(m_settingsDir.path()));
    QVERIFY(m_tmp.isValid() && m_fixtures.isValid());
    const fs::path home = root() / "home";
    qputenv("HOME", QByteArray::fromStdString(home.string()));
    qputenv("HF_HUB_CACHE", QByteArray::fromStdString((home / "hub").string()));
    qputenv("OLLAMA_MODELS", QByteArray::fromStdString((home / "ollama").string()));
    qputenv("LLAMA_CACHE", QByteArray::fromStdString((home / "llama").string()));

    ATTNVIZ_UNWRAP(llama, test::writeFixture(m_fixtures, "tiny-llama"));
    m_config = nlohmann::json::parse(std::ifstream(llama / "config.json"));
    m_snapshot = test::writeHfCacheRepo(home / "hub", "acme", "tiny-llama", llama, "abc123");

    test::writeOllamaManifest(home / "ollama", "library", "ghost", "7b", std::string(64, 'e'));

    test::GgufBuilder b(3);
    b.string("general.architecture", "mamba").u32("mamba.block_count", 2);
    b.tensorF32("token_embd.weight", {4, 2}, std::vector<float>(8, 0.5f));  // (2, 4)
    fs::create_directories(home / ".lmstudio/models/pub/snake-GGUF");
    b.write(home / ".lmstudio/models/pub/snake-GGUF/snake-F32.gguf");
}

void TestModelsWindow::listsTheStore() {
    ui::MainWindow window;
    ui::ModelsWindow* w = window.modelsWindow();
    QSignalSpy listed(w, &ui::ModelsWindow::listed);
    window.showModelsWindow();  // the first show lists
    QVERIFY(listed.wait(10000));
    const ui::ModelList* list = w->list();
    QCOMPARE(list->rowCount(), 3);
    QCOMPARE(list->at(0).name, std::string("acme/tiny-llama"));
    QCOMPARE(list->at(1).name, std::string("ghost:7b"));
    QCOMPARE(list->at(2).name, std::string("pub/snake-GGUF"));

    // The supported row reads normally; the others are greyed with their reason.
    const int layers = m_config["num_hidden_layers"].get<int>();
    QCOMPARE(list->index(0, ui::ModelList::Layers).data().toInt(), layers);
    QCOMPARE(list->index(0, ui::ModelList::Supported).data().toString(), QString("yes"));
    QVERIFY(!list->index(0, ui::ModelList::Name).data(Qt::ForegroundRole).isValid());
    for (int row : {1, 2}) {
        QCOMPARE(list->index(row, ui::ModelList::Supported).data().toString(), QString("no"));
        QVERIFY(list->index(row, ui::ModelList::Name).data(Qt::ForegroundRole).isValid());
        const QString tip = list->index(row, ui::ModelList::Name).data(Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains(QString::fromStdString(list->at(row).reason).toHtmlEscaped()), qPrintable(tip));
    }
    QVERIFY(list->index(1, ui::ModelList::Reason).data().toString().contains("missing"));
    QVERIFY(w->statusText().contains("3 models"));

    // Sorting by size sorts by bytes, not by the text.
    w->table()->sortByColumn(ui::ModelList::Size, Qt::DescendingOrder);
    const QAbstractItemModel* view = w->table()->model();
    QCOMPARE(view->index(0, ui::ModelList::Name).data().toString(), QString("acme/tiny-llama"));
    QCOMPARE(view->index(2, ui::ModelList::Name).data().toString(), QString("ghost:7b"));  // 0 bytes
}

void TestModelsWindow::doubleClickOpensTheSupportedModel() {
    ui::MainWindow window;
    window.show();
    ui::ModelsWindow* w = window.modelsWindow();
    QSignalSpy listed(w, &ui::ModelsWindow::listed);
    window.showModelsWindow();
    QVERIFY(listed.wait(10000));
    QVERIFY(QTest::qWaitForWindowExposed(w));

    // An unsupported row does not load; the window says why.
    QSignalSpy started(window.session(), &ui::SessionModel::loadStarted);
    doubleClickRow(*w, viewRowOf(*w, "ghost:7b"));
    QCOMPARE(started.count(), 0);
    QVERIFY2(w->statusText().contains("missing"), qPrintable(w->statusText()));

    QSignalSpy changed(window.session(), &ui::SessionModel::modelChanged);
    doubleClickRow(*w, viewRowOf(*w, "acme/tiny-llama"));
    QCOMPARE(started.count(), 1);
    QVERIFY(changed.count() == 1 || changed.wait(10000));
    const ui::LoadedModel& model = window.session()->model();
    QCOMPARE(QDir::cleanPath(model.dir), QDir::cleanPath(QString::fromStdString(m_snapshot.string())));
    QCOMPARE(model.name(), QString("acme/tiny-llama"));  // not the revision folder's name
    QVERIFY2(w->statusText().contains("acme/tiny-llama is open"), qPrintable(w->statusText()));
    const core::ModelConfig& c = model.model->config();
    QCOMPARE(c.modelType, m_config["model_type"].get<std::string>());
    QCOMPARE(c.nLayers, m_config["num_hidden_layers"].get<int>());
    QCOMPARE(c.nHeads, m_config["num_attention_heads"].get<int>());
    QCOMPARE(c.nKvHeads, m_config["num_key_value_heads"].get<int>());
    QCOMPARE(c.vocabSize, m_config["vocab_size"].get<int>());

    // A failed open (a .gguf that is not one) keeps this model and says why.
    const QString bad = m_tmp.filePath("broken.gguf");
    test::writeText(bad.toStdString(), "GGUF but truncated");
    QSignalSpy failed(window.session(), &ui::SessionModel::loadFailed);
    window.openModelFolder(bad);
    QVERIFY(failed.count() == 1 || failed.wait(10000));
    QCOMPARE(QDir::cleanPath(window.session()->model().dir), QDir::cleanPath(QString::fromStdString(m_snapshot.string())));
    auto* banner = window.findChild<ui::Banner*>();
    QVERIFY2(banner->message().contains("broken.gguf"), qPrintable(banner->message()));
    QVERIFY2(w->statusText().contains("broken.gguf"), qPrintable(w->statusText()));
}

void TestModelsWindow::addedFoldersAreRemembered() {
    const QString added = m_tmp.filePath("mine");
    ATTNVIZ_UNWRAP(gpt2, test::writeFixture(m_fixtures, "tiny-gpt2"));
    fs::create_directories(added.toStdString());
    fs::copy(gpt2, fs::path(added.toStdString()) / "my-gpt2", fs::copy_options::recursive);
    {
        ui::MainWindow window;
        ui::ModelsWindow* w = window.modelsWindow();
        QSignalSpy listed(w, &ui::ModelsWindow::listed);
        window.showModelsWindow();
        QVERIFY(listed.wait(10000));
        w->addFolder(added);
        QVERIFY(listed.wait(10000));
        QCOMPARE(w->list()->rowCount(), 4);
        QCOMPARE(w->list()->at(3).name, std::string("my-gpt2"));
        QCOMPARE(w->list()->at(3).source, std::string("folder"));
    }
    QCOMPARE(ui::AppSettings().addedModelFolders(), QStringList{QDir::cleanPath(added)});
    ui::MainWindow again;
    QCOMPARE(again.modelsWindow()->addedFolders(), QStringList{QDir::cleanPath(added)});
    again.modelsWindow()->removeFolder(QDir::cleanPath(added));
    QCOMPARE(ui::AppSettings().addedModelFolders(), QStringList{});
}

void TestModelsWindow::modelNameAtStart() {
    ui::MainWindow window;
    QSignalSpy changed(window.session(), &ui::SessionModel::modelChanged);
    ui::StartOptions options;
    options.modelDir = QStringLiteral("tiny-llama");  // the tail of acme/tiny-llama
    window.start(options);
    QVERIFY(changed.count() == 1 || changed.wait(10000));
    QCOMPARE(QDir::cleanPath(window.session()->model().dir), QDir::cleanPath(QString::fromStdString(m_snapshot.string())));

    // An unknown name: the banner lists the close ones, the open model stays.
    window.openModelReference(QStringLiteral("tiny-lama"));
    auto* banner = window.findChild<ui::Banner*>();
    QTRY_VERIFY2_WITH_TIMEOUT(banner->text().contains("acme/tiny-llama"), qPrintable(banner->text()), 10000);  // not shown: message() is ""
    QVERIFY(window.session()->model().isValid());
}

// First start (nothing remembered): the Models window shows itself when it
// finds a model attnviz opens; later starts do not.
void TestModelsWindow::firstStartOffersTheModels() {
    ui::AppSettings().setLastModel(QString());
    ui::StartOptions options;
    options.offerModelsOnFirstStart = true;
    {
        ui::MainWindow window;
        window.start(options);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelsWindow()->isVisible(), 10000);
        QCOMPARE(window.modelsWindow()->list()->rowCount(), 3);
        // The default model opens meanwhile; it is remembered for the next start.
        QTRY_VERIFY_WITH_TIMEOUT(window.session()->model().isValid(), 10000);
    }
    ui::MainWindow later;
    QSignalSpy changed(later.session(), &ui::SessionModel::modelChanged);
    later.start(options);
    QVERIFY(changed.count() == 1 || changed.wait(10000));
    QTest::qWait(300);
    QVERIFY(!later.modelsWindow()->isVisible());
}

void TestModelsWindow::ggufDrops() {
    const QString gguf = m_tmp.filePath("home/.lmstudio/models/pub/snake-GGUF/snake-F32.gguf");
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(gguf)});
    QCOMPARE(ui::modelPathFromMime(&mime), gguf);
    mime.setUrls({QUrl::fromLocalFile(QString::fromStdString((m_snapshot / "config.json").string()))});
    QCOMPARE(ui::modelPathFromMime(&mime), QString::fromStdString(m_snapshot.string()));
}

QTEST_MAIN(TestModelsWindow)
#include "test_models_window.moc"
