// attnviz-cli export: the GUI's figures (head, overview, compare, difference,
// and the aggregates: rollout, value-weighted norms, means and maxima) as
// PNG, SVG, PDF, CSV or JSON, and the head statistics table (stats) as CSV
// or JSON, drawn and written by the same views and exporters as the window,
// without one. Encoder-decoder folders take --attention encoder|decoder|cross
// (default cross) and draw that attention of the run (--target teacher-forces
// the decoder; without it the model generates first, as in the window).
#include "commands.h"
#include "model_input.h"
#include "seq2seq_input.h"

#include "attnviz/ui/export/exporters.h"
#include "attnviz/ui/panels/head_stats_model.h"
#include "attnviz/ui/session/seq2seq_compute.h"
#include "attnviz/ui/session/session_result.h"
#include "attnviz/ui/views/analysis_view.h"
#include "attnviz/ui/views/compare_view.h"
#include "attnviz/ui/views/difference_view.h"
#include "attnviz/ui/views/head_grid_view.h"
#include "attnviz/ui/views/head_view.h"

#include <QApplication>
#include <QDir>
#include <QEventLoop>
#include <QFileInfo>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

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
    int rolloutLast = -1;  // rollout and flow through this layer; -1: all
};

bool isAggregate(const QString& view) { return ui::analysisKindFromName(view).has_value(); }

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
    } else if (const auto kind = ui::analysisKindFromName(s.view)) {
        auto v = std::make_unique<ui::AnalysisView>();
        v->setKind(*kind);
        v->setHead(s.head);
        v->setRolloutLastLayer(s.rolloutLast);
        view = std::move(v);
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
    if (auto* analysis = dynamic_cast<ui::AnalysisView*>(view.get())) {
        // Attention flow, and any aggregate too slow for the GUI thread, is
        // computed off it: wait for it.
        analysis->ensureCurrent();
        while (analysis->computing()) QApplication::processEvents(QEventLoop::WaitForMoreEvents, 100);
    }
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
    specs.push_back({"--sort"});
    specs.push_back({"--attention"});
    for (const auto& spec : seq2seqOptions()) specs.push_back(spec);
    for (const char* option : {"--max-new-tokens", "--temperature", "--top-k", "--seed"}) specs.push_back({option});
    specs.push_back({"--hide-special", false});
    specs.push_back({"--steps", false});
    specs.push_back({"--ascending", false});
    auto args = ArgParser::parse(argv, specs);
    if (!args) return fail(args.error());
    if (!args->has("--trace")) {
        if (auto dir = args->required("--model"); !dir) return fail(dir.error());
    }
    if (auto mask = core::MaskMode::parse(args->value("--mask").value_or("default")); !mask) return fail(mask.error());
    // Encoder-decoder folders: which attention the figures show.
    std::string seq2seqDir;
    if (!args->has("--trace")) {
        auto dir = modelPath(*args);
        if (!dir) return fail(dir.error());
        if (core::isSeq2SeqFolder(*dir)) seq2seqDir = *dir;
    }
    std::optional<ui::AttentionKind> attentionKind;
    if (!seq2seqDir.empty()) {
        const std::string name = args->value("--attention").value_or("cross");
        attentionKind = ui::attentionKindFromName(QString::fromStdString(name));
        if (!attentionKind) return fail("--attention must be encoder, decoder or cross, got '" + name + "'");
    } else {
        for (const char* option : {"--attention", "--max-new-tokens", "--temperature", "--top-k", "--seed"}) {
            if (args->has(option)) return fail(std::string(option) + " is for encoder-decoder models (t5, bart, marian)");
        }
        if (const std::string option = seq2seqOnlyOption(*args); !option.empty()) {
            return fail(option + " is for encoder-decoder models (t5, bart, marian); this one is decoder-only or an encoder");
        }
    }

    ExportSettings s;
    s.view = QString::fromStdString(args->value("--view").value_or("head"));
    const QStringList viewNames = QStringList{"head", "overview", "compare", "difference"} + ui::analysisKindNames() +
                                  QStringList{"stats"};
    if (!viewNames.contains(s.view)) {
        return fail("--view must be one of " + viewNames.join(QStringLiteral(", ")).toStdString() + ", got '" +
                    s.view.toStdString() + "'");
    }
    const bool stats = s.view == QLatin1String("stats");
    const auto out = args->value("-o");
    const auto all = args->value("--all");
    if (out.has_value() == all.has_value()) return fail("give exactly one of -o FILE or --all DIR");
    if (all && s.view != QLatin1String("head")) return fail("--all writes every head: use it with --view head");
    if (const auto f = args->value("--format")) {
        auto format = ui::exportFormatFromName(QString::fromStdString(*f));
        if (!format) return fail("--format must be png, svg, pdf, csv, json, npy or safetensors, got '" + *f + "'");
        s.format = *format;
    } else if (out) {
        auto format = ui::exportFormatForPath(QString::fromStdString(*out));
        if (!format) return fail("cannot tell the format from '" + *out + "': add --format png|svg|pdf|csv|json|npy|safetensors");
        s.format = *format;
    }
    if (attentionKind == ui::AttentionKind::Cross) {
        // What is defined over one stack's square self-attention only.
        if (stats || isAggregate(s.view)) {
            return fail("--view " + s.view.toStdString() + " is computed over a square self-attention: use --attention "
                        "encoder or decoder (cross-attention maps target tokens to source tokens)");
        }
        if (args->has("--steps")) return fail("--steps: cross-attention keeps no scores; use --attention encoder or decoder");
        if (s.view == QLatin1String("difference") && args->value("--source").value_or("mask") == "mask") {
            return fail("--view difference --source mask: cross-attention has no mask to override; use --source heads or "
                        "--attention encoder|decoder");
        }
    }
    if (stats && s.format != ui::ExportFormat::Csv && s.format != ui::ExportFormat::Json) {
        return fail("--view stats writes the head statistics as csv (the table) or json (every analysis)");
    }
    std::optional<core::HeadStatistic> sortBy;
    if (const auto name = args->value("--sort")) {
        if (!stats) return fail("--sort orders the statistics table: use it with --view stats");
        sortBy = core::statisticFromName(*name);
        if (!sortBy) {
            return fail("--sort: unknown statistic '" + *name + "'; expected one of " + core::statisticNamesList());
        }
    }
    if (args->has("--ascending") && !sortBy) return fail("--ascending needs --sort STAT");
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

    std::optional<CliSession> opened;
    std::optional<CliTrace> traced;
    std::shared_ptr<const ui::SessionResult> seq2seqResult;
    if (!seq2seqDir.empty()) {
        auto generate = generateOptions(*args);
        if (!generate) return fail(generate.error());
        auto o = openSeq2Seq(*args, seq2seqDir);
        if (!o) return fail(o.error());
        ui::RunFeatures features;
        features.statistics = true;
        auto views = ui::runSeq2SeqTokens(*o->session, o->source, o->decoder, o->encoderMask, o->decoderMask, *generate,
                                          nullptr, features);
        if (!views) return fail(views.error());
        seq2seqResult = views.value()->at(*attentionKind);
    } else if (args->has("--trace")) {
        auto t = openTrace(*args);
        if (!t) return fail(t.error());
        traced = std::move(t.value());
        if (s.steps) return fail("--steps: the trace file holds no scores (" + std::string(core::kTraceCannotRerun) + ")");
    } else {
        auto o = openSession(*args);
        if (!o) return fail(o.error());
        opened = std::move(o.value());
    }
    const int nLayers = seq2seqResult ? seq2seqResult->trace->nLayers()
                        : traced      ? traced->result->trace->nLayers()
                                      : opened->session->model().config().nLayers;
    const int nHeads = seq2seqResult ? seq2seqResult->trace->nHeads()
                       : traced      ? traced->result->trace->nHeads()
                                     : opened->session->model().config().nHeads;
    const std::string modelName = seq2seqResult ? seq2seqResult->modelName.toStdString()
                                  : traced      ? traced->result->modelName
                                                : opened->session->name();
    auto layer = args->intValue("--layer", 0, 0, nLayers - 1);
    if (!layer) return fail(layer.error());
    // Rollout reads --layer as its last layer; without it, every layer.
    if ((s.view == QLatin1String("rollout") || s.view == QLatin1String("flow")) && args->has("--layer")) {
        s.rolloutLast = *layer;
    }
    auto head = args->intValue("--head", 0, -1, nHeads - 1);
    if (!head) return fail(head.error());
    s.head = {*layer, *head};
    if (const auto h = args->value("--heads")) {
        auto heads = ui::parseHeadList(QString::fromStdString(*h), nLayers, nHeads);
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

    // What the window computes, and the induction scores the aggregates'
    // JSON and the statistics carry (the same extra run as in the window).
    std::shared_ptr<const core::RunResult> run;
    if (seq2seqResult) {
        // Computed above with the kind chosen.
    } else if (traced) {
        run = traced->result;
    } else {
        core::RunRequest request = core::RunRequest::forViews(opened->mask, false);
        request.globalTokens = opened->globalTokens;
        request.induction = stats || isAggregate(s.view);
        auto ran = opened->session->run(opened->tokens, request);
        if (!ran) return fail(ran.error());
        run = std::move(ran.value());
    }
    std::shared_ptr<const ui::SessionResult> result = seq2seqResult ? seq2seqResult : ui::toSessionResult(std::move(run));

    if (stats) {
        // The table as the window's Heads panel shows it after a click on
        // the statistic's column title.
        ui::HeadStatsModel table;
        table.setStats(result->headStats, nHeads);
        if (sortBy) {
            table.sort(ui::HeadStatsModel::statisticColumn(*sortBy),
                       args->has("--ascending") ? Qt::AscendingOrder : Qt::DescendingOrder);
        }
        const QString path = QString::fromStdString(*out);
        const core::Status status = s.format == ui::ExportFormat::Csv ? ui::exportHeadStatsCsv(table.orderedStats(), path)
                                                                       : ui::exportAnalysisJson(*result, path);
        return status ? 0 : fail(status.error());
    }

    if (out) {
        auto view = makeView(s, result);
        return exportOne(*view, s, QString::fromStdString(*out));
    }
    const QDir target(QString::fromStdString(*all));
    if (!target.exists() && !QDir().mkpath(target.path())) return fail("cannot create the folder '" + *all + "'");
    const QString suffix = ui::exportFormatName(s.format);
    for (int l = 0; l < nLayers; ++l) {
        for (int h = 0; h < nHeads; ++h) {
            s.head = {l, h};
            auto view = makeView(s, result);
            const QString kind = attentionKind ? QLatin1Char('-') + ui::attentionKindName(*attentionKind) : QString();
            const QString name =
                QStringLiteral("%1%2-L%3H%4.%5").arg(QString::fromStdString(modelName), kind).arg(l).arg(h).arg(suffix);
            if (const int code = exportOne(*view, s, target.filePath(name)); code != 0) return code;
        }
    }
    return 0;
}

}  // namespace attnviz::cli
