#include "window/export_dialog.h"
#include "attnviz/ui/window/theme.h"

#include "attnviz/ui/plot/plot_view.h"
#include "window/app_settings.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include "attnviz/ui/export/painted_figure.h"

#include <QFileDialog>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>

namespace attnviz::ui {

ExportDialog::ExportDialog(const QString& viewName, QSize figureSize, bool csvAvailable, const QString& suggestedPath,
                           QWidget* parent)
    : QDialog(parent), m_figureSize(figureSize) {
    setWindowTitle(tr("Export the %1 view").arg(viewName));
    m_format = new QComboBox(this);
    m_format->addItem(tr("PNG image"), static_cast<int>(ExportFormat::Png));
    m_format->addItem(tr("SVG (vector)"), static_cast<int>(ExportFormat::Svg));
    m_format->addItem(tr("PDF (vector)"), static_cast<int>(ExportFormat::Pdf));
    if (csvAvailable) m_format->addItem(tr("CSV (the matrix)"), static_cast<int>(ExportFormat::Csv));
    m_format->addItem(tr("JSON (the whole trace)"), static_cast<int>(ExportFormat::Json));
    if (viewName == QLatin1String("head") || viewName == QLatin1String("overview")) {
        m_format->addItem(tr("NPY (numpy array)"), static_cast<int>(ExportFormat::Npy));
        m_format->addItem(tr("safetensors (PyTorch)"), static_cast<int>(ExportFormat::Safetensors));
    }
    m_scale = new QDoubleSpinBox(this);
    m_scale->setRange(0.5, 6.0);
    m_scale->setSingleStep(0.5);
    m_scale->setValue(2.0);
    m_scale->setSuffix(QStringLiteral(" x"));
    m_scale->setToolTip(tr("Pixels per figure unit: 2 x for hi-DPI screens and slides"));
    m_width = new QSpinBox(this);
    m_height = new QSpinBox(this);
    for (QSpinBox* s : {m_width, m_height}) {
        s->setRange(200, 8000);
        s->setSuffix(tr(" px"));
    }
    m_width->setValue(figureSize.width());
    m_height->setValue(figureSize.height());
    auto* sizeRow = new QHBoxLayout;
    sizeRow->addWidget(m_width);
    sizeRow->addWidget(new QLabel(QStringLiteral("x"), this));
    sizeRow->addWidget(m_height);
    auto* reset = new QPushButton(tr("Fit content"), this);
    sizeRow->addWidget(reset);
    m_path = new QLineEdit(suggestedPath, this);
    m_path->setMinimumWidth(360);
    auto* browseButton = new QPushButton(tr("Browse..."), this);
    auto* pathRow = new QHBoxLayout;
    pathRow->addWidget(m_path);
    pathRow->addWidget(browseButton);
    m_note = new QLabel(this);
    m_note->setWordWrap(true);
    setTextRole(m_note, TextRole::Muted);

    auto* form = new QFormLayout;
    form->addRow(tr("Format"), m_format);
    form->addRow(tr("Figure size"), sizeRow);
    form->addRow(tr("PNG scale"), m_scale);
    form->addRow(tr("File"), pathRow);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Export"));
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_note);
    layout->addWidget(buttons);

    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(browseButton, &QPushButton::clicked, this, &ExportDialog::browse);
    connect(reset, &QPushButton::clicked, this, [this] {
        m_width->setValue(m_figureSize.width());
        m_height->setValue(m_figureSize.height());
    });
    connect(m_format, &QComboBox::currentIndexChanged, this, &ExportDialog::formatChanged);
    if (auto f = exportFormatForPath(suggestedPath)) m_format->setCurrentIndex(std::max(0, m_format->findData(static_cast<int>(*f))));
    formatChanged();
}

QString ExportDialog::path() const { return m_path->text().trimmed(); }

ExportFormat ExportDialog::format() const { return static_cast<ExportFormat>(m_format->currentData().toInt()); }

FigureOptions ExportDialog::figureOptions() const {
    FigureOptions o;
    o.size = QSize(m_width->value(), m_height->value());
    o.scale = m_scale->value();
    return o;
}

void ExportDialog::setScale(double scale) { m_scale->setValue(scale); }

void ExportDialog::formatChanged() {
    const ExportFormat f = format();
    const bool figure = f == ExportFormat::Png || f == ExportFormat::Svg || f == ExportFormat::Pdf;
    m_scale->setEnabled(f == ExportFormat::Png);
    m_width->setEnabled(figure);
    m_height->setEnabled(figure);
    switch (f) {
    case ExportFormat::Png: m_note->setText(tr("A bitmap with title, token labels and colour scale.")); break;
    case ExportFormat::Svg:
    case ExportFormat::Pdf: m_note->setText(tr("Vector text and axes; the heatmap cells stay sharp at any zoom.")); break;
    case ExportFormat::Csv: m_note->setText(tr("The matrix shown (rows: query, columns: key) with token labels.")); break;
    case ExportFormat::Json:
        m_note->setText(tr("Every layer and head of this run, in the format of attnviz-cli attention."));
        break;
    case ExportFormat::Npy:
    case ExportFormat::Safetensors:
        m_note->setText(tr("The probabilities as float32: the head shown (a layer mean: the layer's heads), or every "
                           "head from the overview. numpy.load / safetensors.torch.load_file read them."));
        break;
    }
    // Keep the file name's suffix in step with the format.
    QString p = path();
    const QFileInfo info(p);
    const QString suffix = exportFormatName(f);
    if (!p.isEmpty() && info.suffix().compare(suffix, Qt::CaseInsensitive) != 0) {
        p = info.dir().filePath(info.completeBaseName() + QLatin1Char('.') + suffix);
        m_path->setText(p);
    }
}

void ExportDialog::browse() {
    const QString suffix = exportFormatName(format());
    const QString chosen = QFileDialog::getSaveFileName(this, tr("Export to"), path(),
                                                        tr("%1 files (*.%2)").arg(suffix.toUpper(), suffix), nullptr,
                                                        QFileDialog::DontConfirmOverwrite);
    if (!chosen.isEmpty()) m_path->setText(chosen);
}

QString exportWithDialog(PlotView& view, const QString& nameSuffix, AppSettings& settings, QWidget* parent) {
    view.ensureCurrent();
    if (const QString problem = view.exportProblem(); !problem.isEmpty()) {
        QMessageBox::information(parent, QObject::tr("Export"), problem);
        return {};
    }
    QString dir = settings.exportDir();
    if (dir.isEmpty() || !QFileInfo(dir).isDir()) {
        dir = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
        if (dir.isEmpty() || !QFileInfo(dir).isDir()) dir = QDir::homePath();
    }
    const QString name = QStringLiteral("%1-%2%3.png").arg(view.result()->modelName, view.viewName(), nameSuffix);
    ExportDialog dialog(view.viewName(), view.figureSize(), view.csvMatrix().has_value(), QDir(dir).filePath(name),
                        parent);
    dialog.setScale(settings.exportScale());
    if (dialog.exec() != QDialog::Accepted) return {};
    const QString path = dialog.path();
    if (path.isEmpty()) return {};
    if (QFileInfo::exists(path) &&
        QMessageBox::question(parent, QObject::tr("Replace file?"),
                              QObject::tr("%1 already exists. Replace it?").arg(QDir::toNativeSeparators(path)),
                              QMessageBox::Yes | QMessageBox::No, QMessageBox::No) != QMessageBox::Yes) {
        return {};
    }
    const core::Status status = exportView(view, path, dialog.format(), dialog.figureOptions());
    if (!status) {
        QMessageBox::warning(parent, QObject::tr("Export failed"), QString::fromStdString(status.error()));
        return {};
    }
    settings.setExportDir(QFileInfo(path).absolutePath());
    settings.setExportScale(dialog.figureOptions().scale);
    return QObject::tr("Exported %1").arg(QDir::toNativeSeparators(path));
}

QString exportPaintedWithDialog(const PaintedFigure& figure, const QString& name, QWidget* parent,
                                const std::function<core::Status(const QString& path)>& writeJson) {
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
    QString filters = QObject::tr("PNG image (*.png);;SVG (*.svg);;PDF (*.pdf)");
    if (writeJson) filters += QObject::tr(";;JSON numbers (*.json)");
    const QString path = QFileDialog::getSaveFileName(parent, QObject::tr("Export the %1 view").arg(name),
                                                      QDir(dir).filePath(name + QStringLiteral(".png")), filters);
    if (path.isEmpty()) return {};
    const auto format = exportFormatForPath(path);
    const bool json = writeJson && format == ExportFormat::Json;
    if (!json && (!format || (*format != ExportFormat::Png && *format != ExportFormat::Svg && *format != ExportFormat::Pdf))) {
        QMessageBox::warning(parent, QObject::tr("Export"),
                             writeJson ? QObject::tr("Name the file .png, .svg, .pdf or .json.")
                                       : QObject::tr("Name the file .png, .svg or .pdf."));
        return {};
    }
    const core::Status status = json ? writeJson(path) : exportPaintedFigure(figure, path, *format, {QSize(), 2.0});
    if (!status) {
        QMessageBox::warning(parent, QObject::tr("Export"), QString::fromStdString(status.error()));
        return {};
    }
    return QObject::tr("Exported %1").arg(QDir::toNativeSeparators(path));
}

}  // namespace attnviz::ui
