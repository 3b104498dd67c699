// attnviz-cli export --attention encoder|decoder|cross on an encoder-decoder
// folder (the t5 golden fixture): the same pixels as the window's export of
// the same kind, CSV with target rows and source columns, JSON of the cross
// attention equal to core::Seq2SeqModel::run, and one-line refusals of what
// cross-attention does not have.
#include "support/test_paths.h"
#include "support/test_settings.h"
#include "support/verify_result.h"

#include "attnviz/core/seq2seq_model.h"
#include "attnviz/core/seq2seq_session.h"
#include "attnviz/ui/export/exporters.h"
#include "attnviz/ui/session/session_model.h"
#include "attnviz/ui/views/head_view.h"
#include "attnviz/ui/window/main_window.h"
#include "panels/input_panel.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPlainTextEdit>
#include <QProcess>
#include <QtTest>

using namespace attnviz;

namespace {

const QString kSource = QStringLiteral("translate English to German: The house is wonderful.");
const QString kTarget = QStringLiteral("Das Haus ist wunderbar.");

struct CliRun {
    int exitCode = -1;
    QString error;
};

CliRun runCli(const QStringList& args) {
    QProcess cli;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("QT_QPA_PLATFORM"));  // the CLI chooses offscreen itself
    env.remove(QStringLiteral("DISPLAY"));
    cli.setProcessEnvironment(env);
    cli.start(QStringLiteral(ATTNVIZ_CLI_PATH), QStringList{QStringLiteral("export")} + args);
    if (!cli.waitForFinished(60000)) return {-1, QStringLiteral("attnviz-cli did not finish")};
    return {cli.exitCode(), QString::fromUtf8(cli.readAllStandardError())};
}

}  // namespace

class TestCliExportSeq2Seq : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void crossPngSameAsGui();
    void crossCsvIsTargetBySource();
    void crossJsonEqualsTheModel();
    void refusesWhatCrossHasNot();

private:
    QTemporaryDir m_settingsDir;
    QTemporaryDir m_out;
    QString m_t5;
};

void TestCliExportSeq2Seq::initTestCase() {
    QVERIFY(test::isolateSettings(m_settingsDir.path()));
    ATTNVIZ_REQUIRE_DIR(golden, test::goldenDir, "golden references");
    const std::filesystem::path t5 = golden / "encdec" / "fixtures" / "t5";
    if (!std::filesystem::exists(t5 / "config.json")) QSKIP("the t5 golden fixture (golden/encdec/fixtures/t5) is absent");
    m_t5 = QString::fromStdString(t5.string());
}

void TestCliExportSeq2Seq::crossPngSameAsGui() {
    ui::MainWindow window;
    ui::SessionModel* session = window.session();
    QSignalSpy changed(session, &ui::SessionModel::modelChanged);
    window.openModelFolder(m_t5);
    QVERIFY(changed.wait(30000));
    QSignalSpy ready(session, &ui::SessionModel::resultReady);
    window.inputPanel()->textEdit()->setPlainText(kSource);
    window.inputPanel()->targetEdit()->setPlainText(kTarget);
    session->recompute();
    QVERIFY(ready.wait(30000));
    while (session->isComputing()) QVERIFY(ready.wait(30000));
    session->setAttentionKind(ui::AttentionKind::Cross);
    window.headView()->setHead({1, 2});
    const QString guiPath = m_out.filePath(QStringLiteral("cross-gui.png"));
    const core::Status status = ui::exportView(*window.headView(), guiPath, ui::ExportFormat::Png, {QSize(), 1.0});
    QVERIFY2(status, status ? "" : status.error().c_str());

    const QString cliPath = m_out.filePath(QStringLiteral("cross-cli.png"));
    const CliRun run = runCli({"--model", m_t5, "--text", kSource, "--target", kTarget, "--attention", "cross", "--view",
                               "head", "--layer", "1", "--head", "2", "--scale", "1", "-o", cliPath});
    QVERIFY2(run.exitCode == 0, qPrintable(run.error));
    const QImage gui = QImage(guiPath).convertToFormat(QImage::Format_ARGB32);
    const QImage cli = QImage(cliPath).convertToFormat(QImage::Format_ARGB32);
    QVERIFY(!gui.isNull());
    QCOMPARE(cli.size(), gui.size());
    QVERIFY2(cli == gui, "the CLI and the GUI drew different pixels");
}

void TestCliExportSeq2Seq::crossCsvIsTargetBySource() {
    ATTNVIZ_UNWRAP(session, core::Seq2SeqSession::open(m_t5.toStdString()));
    ATTNVIZ_UNWRAP(source, session->sourceTokens(kSource.toStdString()));
    ATTNVIZ_UNWRAP(decoder, session->decoderTokens(kTarget.toStdString()));
    const QString path = m_out.filePath(QStringLiteral("cross.csv"));
    const CliRun run = runCli({"--model", m_t5, "--text", kSource, "--target", kTarget, "--attention", "cross", "--view",
                               "head", "--layer", "0", "--head", "3", "-o", path});
    QVERIFY2(run.exitCode == 0, qPrintable(run.error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    // A header row of the source tokens, then one row per decoder token.
    QCOMPARE(lines.size(), static_cast<int>(decoder.size()) + 1);
    QCOMPARE(lines[0].count(QLatin1Char(',')), static_cast<int>(source.size()));
    ATTNVIZ_UNWRAP(model, core::loadSeq2SeqModel(m_t5.toStdString()));
    std::vector<std::int32_t> s, t;
    for (const auto& tok : source) s.push_back(tok.id);
    for (const auto& tok : decoder) t.push_back(tok.id);
    ATTNVIZ_UNWRAP(trace, model->run(s, t, {}));
    // Row 2 (decoder token 1), the last column: the value as the window shows it.
    const QStringList cells = lines[2].split(QLatin1Char(','));
    QCOMPARE(cells.size(), static_cast<int>(source.size()) + 1);
    QCOMPARE(static_cast<float>(cells.last().toDouble()), trace.cross.prob(0, 3, 1, static_cast<int>(s.size()) - 1));
}

void TestCliExportSeq2Seq::crossJsonEqualsTheModel() {
    const QString path = m_out.filePath(QStringLiteral("cross.json"));
    const CliRun run = runCli({"--model", m_t5, "--text", kSource, "--target", kTarget, "--attention", "cross", "--view",
                               "head", "-o", path});
    QVERIFY2(run.exitCode == 0, qPrintable(run.error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject json = QJsonDocument::fromJson(file.readAll()).object();
    QCOMPARE(json[QStringLiteral("attention_kind")].toString(), QStringLiteral("cross"));
    std::vector<std::int32_t> s, t;
    for (const QJsonValue& v : json[QStringLiteral("key_tokens")].toArray()) s.push_back(v.toObject()[QStringLiteral("id")].toInt());
    for (const QJsonValue& v : json[QStringLiteral("query_tokens")].toArray()) t.push_back(v.toObject()[QStringLiteral("id")].toInt());
    ATTNVIZ_UNWRAP(session, core::Seq2SeqSession::open(m_t5.toStdString()));
    ATTNVIZ_UNWRAP(source, session->sourceTokens(kSource.toStdString()));
    QCOMPARE(s.size(), source.size());
    for (std::size_t i = 0; i < s.size(); ++i) QCOMPARE(s[i], source[i].id);
    ATTNVIZ_UNWRAP(model, core::loadSeq2SeqModel(m_t5.toStdString()));
    ATTNVIZ_UNWRAP(trace, model->run(s, t, {}));
    const QJsonArray layers = json[QStringLiteral("attention")].toArray();
    QCOMPARE(layers.size(), trace.cross.nLayers());
    for (int l = 0; l < trace.cross.nLayers(); ++l) {
        const QJsonArray heads = layers[l].toArray();
        QCOMPARE(heads.size(), trace.cross.nHeads());
        for (int h = 0; h < trace.cross.nHeads(); ++h) {
            const QJsonArray rows = heads[h].toArray();
            QCOMPARE(rows.size(), static_cast<int>(t.size()));
            for (int r = 0; r < rows.size(); ++r) {
                const QJsonArray row = rows[r].toArray();
                QCOMPARE(row.size(), static_cast<int>(s.size()));
                // %.9g round-trips a float exactly.
                for (int c = 0; c < row.size(); ++c) QCOMPARE(static_cast<float>(row[c].toDouble()), trace.cross.prob(l, h, r, c));
            }
        }
    }
}

void TestCliExportSeq2Seq::refusesWhatCrossHasNot() {
    const QStringList base{"--model", m_t5, "--text", kSource, "--target", kTarget};
    const QString out = m_out.filePath(QStringLiteral("refused.png"));
    for (const QStringList& extra : {QStringList{"--attention", "cross", "--view", "rollout"},
                                     QStringList{"--attention", "cross", "--view", "head", "--steps"},
                                     QStringList{"--attention", "cross", "--view", "difference"},
                                     QStringList{"--attention", "sideways", "--view", "head"}}) {
        const CliRun run = runCli(base + extra + QStringList{"-o", out});
        QCOMPARE(run.exitCode, 1);
        QCOMPARE(run.error.trimmed().count(QLatin1Char('\n')), 0);
        QVERIFY2(run.error.contains(QStringLiteral("--")), qPrintable(run.error));
        QVERIFY(!QFile::exists(out));
    }
    // The encoder's rollout is fine.
    const CliRun ok = runCli(base + QStringList{"--attention", "encoder", "--view", "rollout", "-o", out});
    QVERIFY2(ok.exitCode == 0, qPrintable(ok.error));
    QVERIFY(QFile::exists(out));
}

QTEST_MAIN(TestCliExportSeq2Seq)
#include "test_cli_export_seq2seq.moc"
