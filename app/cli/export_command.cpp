// attnviz-cli export: the GUI's figures (head, overview, compare, difference)
// as PNG, SVG, PDF, CSV or JSON, drawn by the same views and exporters as
// File > Export, without a window.
#include "commands.h"
#include "model_input.h"

#include "attnviz/ui/compare_view.h"
#include "attnviz/ui/difference_view.h"
#include "attnviz/ui/exporters.h"
#include "attnviz/ui/head_grid_view.h"
#include "attnviz/ui/head_view.h"
#include "attnviz/ui/loaded_model.h"
#include "attnviz/ui/session_compute.h"

#include <QApplication>
#include <QDir>
#include <QFileInfo>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace attnviz::cli {
namespace {

struct ExportSettings {
    QString view;
    ui::ExportFormat format = ui::ExportFormat::Png;
    ui::FigureOptions figure;
    ui::ViewStyle style;
    ui::HeadRef head;
    std::vector<ui::HeadRef> heads;
    bool steps = false;
    ui::DifferenceView::Source source = ui::DifferenceView::Source::MaskVsDefault;
};

// The view, set up exactly as the window sets up its own.
std::unique_ptr<ui::PlotView> makeView(const ExportSettings& s, std::shared_ptr<const ui::SessionResult> result) {
    std::unique_ptr<ui::PlotView> view;
    if (s.view == QLatin1String("head")) {
        auto v = std::make_unique<ui::HeadView>();
        v->setShowSteps(s.steps);
        v->setHead(s.head);
        view = std::move(v);
    } else if (s.view == QLatin1String("overview")) {
        view = std::make_unique<ui::HeadGridView>();
    } else if (s.view == QLatin1String("compare")) {
        auto v = std::make_unique<ui::CompareView>();
        v->setHeads(s.heads);
        view = std::move(v);
    } else {
        auto v = std::make_unique<ui::DifferenceView>();
        v->setSource(s.source);
        v->setHead(s.head);
        if (s.heads.size() >= 2) v->setHeads(s.heads[0], s.heads[1]);
        view = std::move(v);
    }
    view->setViewStyle(s.style);
    view->setResult(std::move(result));
    return view;
}

int exportOne(ui::PlotView& view, const ExportSettings& s, const QString& path) {
    const core::Status status = ui::exportView(view, path, s.format, s.figure);
    if (!status) return fail(status.error());
    return 0;
}

}  // namespace

int runExport(const std::vector<std::string>& argv) {
    auto specs = inputOptions();
    for (const char* name : {"--mask", "--view", "--layer", "--head", "--heads", "--source", "--colormap", "--range",
                             "--format", "--scale", "--width", "--height", "-o", "--all"}) {
        specs.push_back({name});
    }
    specs.push_back({"--hide-special", false});
    specs.push_back({"--steps", false});
    auto args = ArgParser::parse(argv, specs);
    if (!args) return fail(args.error());
    auto dir = args->required("--model");
    if (!dir) return fail(dir.error());
    auto mask = core::MaskMode::parse(args->value("--mask").value_or("default"));
    if (!mask) return fail(mask.error());

    ExportSettings s;
    s.view = QString::fromStdString(args->value("--view").value_or("head"));
    if (!QStringList{"head", "overview", "compare", "difference"}.contains(s.view)) {
        return fail("--view must be head, overview, compare or difference, got '" + s.view.toStdString() + "'");
    }
    const auto out = args->value("-o");
    const auto all = args->value("--all");
    if (out.has_value() == all.has_value()) return fail("give exactly one of -o FILE or --all DIR");
    if (all && s.view != QLatin1String("head")) return fail("--all writes every head: use it with --view head");
    if (const auto f = args->value("--format")) {
        auto format = ui::exportFormatFromName(QString::fromStdString(*f));
        if (!format) return fail("--format must be png, svg, pdf, csv or json, got '" + *f + "'");
        s.format = *format;
    } else if (out) {
        auto format = ui::exportFormatForPath(QString::fromStdString(*out));
        if (!format) return fail("cannot tell the format from '" + *out + "': add --format png|svg|pdf|csv|json");
        s.format = *format;
    }
    if (const auto c = args->value("--colormap")) {
        auto map = ui::colormapFromName(QString::fromStdString(*c));
        if (!map || *map == ui::Colormap::Diverging) return fail("--colormap must be viridis, magma or greys, got '" + *c + "'");
        s.style.colormap = *map;
    }
    if (const auto r = args->value("--range")) {
        auto range = ui::rangeModeFromName(QString::fromStdString(*r));
        if (!range) return fail("--range must be head, shared or fixed, got '" + *r + "'");
        s.style.range = *range;
    }
    s.style.hideSpecial = args->has("--hide-special");
    s.steps = args->has("--steps");
    if (const auto src = args->value("--source")) {
        if (*src == "mask") {
            s.source = ui::DifferenceView::Source::MaskVsDefault;
        } else if (*src == "heads") {
            s.source = ui::DifferenceView::Source::TwoHeads;
        } else {
            return fail("--source must be mask or heads, got '" + *src + "'");
        }
    }
    const std::string scaleText = args->value("--scale").value_or("2");
    char* end = nullptr;
    s.figure.scale = std::strtod(scaleText.c_str(), &end);
    if (end == scaleText.c_str() || *end != '\0' || !(s.figure.scale >= 0.25 && s.figure.scale <= 8.0)) {
        return fail("--scale must be a number from 0.25 to 8, got '" + scaleText + "'");
    }
    auto width = args->intValue("--width", 0, 16, 20000);
    if (!width) return fail(width.error());
    auto height = args->intValue("--height", 0, 16, 20000);
    if (!height) return fail(height.error());
    if ((*width == 0) != (*height == 0)) return fail("give both --width and --height, or neither");
    s.figure.size = QSize(*width, *height);

    // Widgets need an application object; no window is shown, so no display is needed.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    // Keep stderr to real problems: drop debug chatter and the runtime-dir notice.
    qInstallMessageHandler([](QtMsgType type, const QMessageLogContext&, const QString& message) {
        if (type == QtDebugMsg || type == QtInfoMsg || message.startsWith(QLatin1String("QStandardPaths:"))) return;
        std::fprintf(stderr, "attnviz-cli: qt: %s\n", qPrintable(message));
    });
    static int qtArgc = 1;
    static char qtName[] = "attnviz-cli";
    static char* qtArgv[] = {qtName, nullptr};
    QApplication app(qtArgc, qtArgv);

    auto loaded = ui::loadModelFolder(QString::fromStdString(*dir));
    if (!loaded) return fail(loaded.error());
    if (!loaded->tokenizer && args->has("--text")) {
        return fail(loaded->tokenizerProblem.toStdString());
    }
    auto input = readInput(*args, loaded->tokenizer.get());
    if (!input) return fail(input.error());
    if (!loaded->model->hasTokenTypes() && args->has("--token-types")) {
        return fail("this model has no token types; drop --token-types");
    }
    const core::ModelConfig& config = loaded->model->config();
    auto layer = args->intValue("--layer", 0, 0, config.nLayers - 1);
    if (!layer) return fail(layer.error());
    auto head = args->intValue("--head", 0, -1, config.nHeads - 1);
    if (!head) return fail(head.error());
    s.head = {*layer, *head};
    if (const auto h = args->value("--heads")) {
        auto heads = ui::parseHeadList(QString::fromStdString(*h), config.nLayers, config.nHeads);
        if (!heads) return fail("--heads: " + heads.error());
        s.heads = std::move(heads.value());
    }
    if (s.view == QLatin1String("compare") && s.heads.empty()) return fail("--view compare needs --heads l:h,l:h");
    if (s.view == QLatin1String("compare") && s.heads.size() > ui::CompareView::kMaxHeads) {
        return fail("--heads: compare shows at most " + std::to_string(ui::CompareView::kMaxHeads) + " heads");
    }
    if (s.view == QLatin1String("difference") && s.source == ui::DifferenceView::Source::TwoHeads && s.heads.size() < 2) {
        return fail("--source heads needs two heads in --heads (the difference is the first minus the second)");
    }

    auto result = ui::runSession(*loaded, input->tokens, *mask);
    if (!result) return fail(result.error());

    if (out) {
        auto view = makeView(s, result.value());
        return exportOne(*view, s, QString::fromStdString(*out));
    }
    const QDir target(QString::fromStdString(*all));
    if (!target.exists() && !QDir().mkpath(target.path())) return fail("cannot create the folder '" + *all + "'");
    const QString suffix = ui::exportFormatName(s.format);
    for (int l = 0; l < config.nLayers; ++l) {
        for (int h = 0; h < config.nHeads; ++h) {
            s.head = {l, h};
            auto view = makeView(s, result.value());
            const QString name = QStringLiteral("%1-L%2H%3.%4").arg(loaded->name()).arg(l).arg(h).arg(suffix);
            if (const int code = exportOne(*view, s, target.filePath(name)); code != 0) return code;
        }
    }
    return 0;
}

}  // namespace attnviz::cli
