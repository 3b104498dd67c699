// Exports produce valid files: PNG of the given size, SVG that parses as XML
// and carries the token labels as text, PDF, CSV of the shown matrix and the
// JSON trace contract; writes are atomic and refuse what cannot be written.
#include "ui_fixture.h"

#include "attnviz/ui/export/exporters.h"
#include "attnviz/ui/session/session_compute.h"
#include "attnviz/ui/views/compare_view.h"
#include "attnviz/ui/views/head_grid_view.h"
#include "attnviz/ui/views/head_view.h"
#include "support/test_paths.h"
#include "support/verify_result.h"

#include <QImageReader>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QXmlStreamReader>
#include <QtTest>

#include <csignal>
#include <sys/resource.h>

using namespace attnviz;

namespace {

QByteArray readAll(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return f.readAll();
}

// All text content of an SVG, and whether it parsed.
bool svgTexts(const QByteArray& svg, QStringList* texts) {
    QXmlStreamReader xml(svg);
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement() && xml.name() == QLatin1String("text")) texts->append(xml.readElementText(QXmlStreamReader::IncludeChildElements));
    }
    return !xml.hasError();
}

}  // namespace

class TestExporters : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void pngHasGivenSize_data();
    void pngHasGivenSize();
    void svgParsesWithTokenLabels();
    void svgKeepsUnicodeTokenLabels();
    void pdfIsAPdf();
    void csvIsTheShownMatrix();
    void jsonIsTheTraceContract();
    void failedWritesLeaveNoFile();
    void fileTooLargeSaysSo_data();
    void fileTooLargeSaysSo();

private:
    QTemporaryDir m_tmp;
    QTemporaryDir m_out;
    std::shared_ptr<const ui::SessionResult> m_result;
};

void TestExporters::initTestCase() {
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-gpt2"));
    ATTNVIZ_UNWRAP_TO(m_result, test::runIds(model, {11, 22, 33, 44, 5, 16, 27}));
}

void TestExporters::pngHasGivenSize_data() {
    QTest::addColumn<QSize>("size");
    QTest::addColumn<double>("scale");
    QTest::addRow("figure size, 1x") << QSize() << 1.0;
    QTest::addRow("figure size, 2x") << QSize() << 2.0;
    QTest::addRow("640x480, 1.5x") << QSize(640, 480) << 1.5;
}

void TestExporters::pngHasGivenSize() {
    QFETCH(QSize, size);
    QFETCH(double, scale);
    ui::HeadView view;
    view.setResult(m_result);
    view.setHead({1, 0});
    const QString path = m_out.filePath(QStringLiteral("head.png"));
    const core::Status status = ui::exportFigure(view, path, ui::ExportFormat::Png, {size, scale});
    QVERIFY2(status, status ? "" : status.error().c_str());
    QImageReader reader(path);
    QCOMPARE(reader.format(), QByteArray("png"));
    const QSize logical = size.isEmpty() ? view.figureSize() : size;
    QCOMPARE(reader.size(), QSize(qRound(logical.width() * scale), qRound(logical.height() * scale)));
    const QImage image = reader.read();
    QVERIFY(!image.isNull());
    // A figure, not a blank page: the heatmap puts many colours on it.
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 7) {
        for (int x = 0; x < image.width(); x += 7) colours.insert(image.pixel(x, y));
    }
    QVERIFY(colours.size() > 20);
}

void TestExporters::svgParsesWithTokenLabels() {
    ui::CompareView view;
    view.setResult(m_result);
    view.setHeads({{0, 0}, {1, 1}});
    const QString path = m_out.filePath(QStringLiteral("compare.svg"));
    const core::Status status = ui::exportFigure(view, path, ui::ExportFormat::Svg);
    QVERIFY2(status, status ? "" : status.error().c_str());
    QStringList texts;
    QVERIFY(svgTexts(readAll(path), &texts));
    for (const char* label : {"#11", "#22", "#33", "#44", "#5", "#16", "#27", "L0 H0", "L1 H1"}) {
        QVERIFY2(texts.contains(QString::fromLatin1(label)), label);
    }
    QVERIFY(texts.contains(view.figureTitle()));
}

void TestExporters::svgKeepsUnicodeTokenLabels() {
    ATTNVIZ_REQUIRE_DIR(models, test::modelsDir, "../shared/models");
    auto model = ui::loadModelFolder(QString::fromStdString((models / "stories260K").string()));
    if (!model) QSKIP("stories260K not found");
    auto tokens = ui::tokenizeInput(*model, {QStringLiteral("The cat sat."), {}, false, {}});
    QVERIFY(tokens);
    auto result = ui::runSession(*model, *tokens, core::MaskMode::defaultMode());
    QVERIFY(result);
    ui::HeadView view;
    view.setResult(result.value());
    const QString path = m_out.filePath(QStringLiteral("stories.svg"));
    QVERIFY(ui::exportFigure(view, path, ui::ExportFormat::Svg));
    QStringList texts;
    QVERIFY(svgTexts(readAll(path), &texts));
    for (const ui::TokenLabel& t : result.value()->tokens) QVERIFY2(texts.contains(t.text), qPrintable(t.text));
}

void TestExporters::pdfIsAPdf() {
    ui::HeadGridView view;
    view.setResult(m_result);
    const QString path = m_out.filePath(QStringLiteral("overview.pdf"));
    const core::Status status = ui::exportFigure(view, path, ui::ExportFormat::Pdf);
    QVERIFY2(status, status ? "" : status.error().c_str());
    const QByteArray pdf = readAll(path);
    QVERIFY(pdf.startsWith("%PDF-1."));
    QVERIFY(pdf.trimmed().endsWith("%%EOF"));
    QVERIFY(pdf.contains("/MediaBox"));
    QVERIFY(pdf.size() > 2000);
}

void TestExporters::csvIsTheShownMatrix() {
    ui::HeadView view;
    view.setResult(m_result);
    view.setHead({0, 1});
    const QString path = m_out.filePath(QStringLiteral("head.csv"));
    QVERIFY(ui::exportCsv(view, path));
    const QStringList lines = QString::fromUtf8(readAll(path)).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 8);
    QCOMPARE(lines[0], QStringLiteral("query \\ key,#11,#22,#33,#44,#5,#16,#27"));
    const core::AttentionTrace& trace = *m_result->trace;
    for (int q = 0; q < 7; ++q) {
        const QStringList cells = lines[q + 1].split(QLatin1Char(','));
        QCOMPARE(cells.size(), 8);
        for (int k = 0; k < 7; ++k) QCOMPARE(cells[k + 1].toFloat(), trace.prob(0, 1, q, k));  // %.9g round-trips
    }
    // The overview shows many matrices: CSV refuses with a reason.
    ui::HeadGridView overview;
    overview.setResult(m_result);
    const core::Status refused = ui::exportCsv(overview, m_out.filePath(QStringLiteral("overview.csv")));
    QVERIFY(!refused);
    QVERIFY(!QFileInfo::exists(m_out.filePath(QStringLiteral("overview.csv"))));
}

void TestExporters::jsonIsTheTraceContract() {
    const QString path = m_out.filePath(QStringLiteral("trace.json"));
    QVERIFY(ui::exportTraceJson(*m_result, path));
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(readAll(path), &error);
    QCOMPARE(error.error, QJsonParseError::NoError);
    const QJsonObject o = doc.object();
    QCOMPARE(o.value("n_layers").toInt(), 2);
    QCOMPARE(o.value("n_heads").toInt(), 2);
    QCOMPARE(o.value("seq_len").toInt(), 7);
    QCOMPARE(o.value("mask").toString(), QStringLiteral("default"));
    QCOMPARE(o.value("tokens").toArray().at(3).toObject().value("id").toInt(), 44);
    const double p = o.value("attention").toArray().at(1).toArray().at(0).toArray().at(5).toArray().at(2).toDouble();
    QCOMPARE(static_cast<float>(p), m_result->trace->prob(1, 0, 5, 2));
}

void TestExporters::failedWritesLeaveNoFile() {
    ui::HeadView view;
    view.setResult(m_result);
    const QString missingDir = m_out.filePath(QStringLiteral("no/such/folder/head.png"));
    const core::Status status = ui::exportFigure(view, missingDir, ui::ExportFormat::Png);
    QVERIFY(!status);
    QVERIFY(QString::fromStdString(status.error()).contains(QStringLiteral("head.png")));

    // A refused export leaves an existing file alone and no temporary file behind.
    const QString path = m_out.filePath(QStringLiteral("keep.png"));
    QVERIFY(ui::exportFigure(view, path, ui::ExportFormat::Png));
    const QByteArray before = readAll(path);
    QVERIFY(!ui::exportFigure(view, path, ui::ExportFormat::Png, {QSize(5, 5), 1.0}));
    QCOMPARE(readAll(path), before);
    QCOMPARE(QDir(m_out.path()).entryList(QDir::Files).filter(QStringLiteral("keep.png")).size(), 1);

    ui::HeadView empty;
    QVERIFY(!ui::exportFigure(empty, m_out.filePath(QStringLiteral("empty.png")), ui::ExportFormat::Png));
    QVERIFY(!QFileInfo::exists(m_out.filePath(QStringLiteral("empty.png"))));
}

void TestExporters::fileTooLargeSaysSo_data() {
    QTest::addColumn<int>("format");
    QTest::newRow("png") << static_cast<int>(ui::ExportFormat::Png);
    QTest::newRow("svg") << static_cast<int>(ui::ExportFormat::Svg);
    QTest::newRow("pdf") << static_cast<int>(ui::ExportFormat::Pdf);
    QTest::newRow("csv") << static_cast<int>(ui::ExportFormat::Csv);
}

// A write the system refuses (here: the file-size limit, as a full disk
// would) gives the system's reason, not "Unknown error" or QSaveFile's
// "Writing canceled by application", and the existing file stays whole.
void TestExporters::fileTooLargeSaysSo() {
    QFETCH(int, format);
    const auto fmt = static_cast<ui::ExportFormat>(format);
    ui::HeadView view;
    view.setResult(m_result);
    const QString path = m_out.filePath(QStringLiteral("limited.%1").arg(format));
    QVERIFY(fmt == ui::ExportFormat::Csv ? bool(ui::exportCsv(view, path)) : bool(ui::exportFigure(view, path, fmt)));
    const QByteArray before = readAll(path);

    rlimit old{};
    QCOMPARE(getrlimit(RLIMIT_FSIZE, &old), 0);
    const auto previous = std::signal(SIGXFSZ, SIG_IGN);  // the write fails with EFBIG instead
    rlimit small = old;
    small.rlim_cur = 64;
    QCOMPARE(setrlimit(RLIMIT_FSIZE, &small), 0);
    const core::Status status =
        fmt == ui::ExportFormat::Csv ? ui::exportCsv(view, path) : ui::exportFigure(view, path, fmt);
    setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, previous);

    QVERIFY(!status);
    const QString message = QString::fromStdString(status.error());
    QVERIFY2(message.contains(QStringLiteral("File too large")), qPrintable(message));
    QVERIFY2(message.contains(path), qPrintable(message));
    QCOMPARE(readAll(path), before);
    QCOMPARE(QDir(m_out.path()).entryList(QDir::Files).filter(QStringLiteral("limited.%1").arg(format)).size(), 1);
}

QTEST_MAIN(TestExporters)
#include "test_exporters.moc"
