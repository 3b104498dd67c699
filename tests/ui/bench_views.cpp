// GUI draw benchmark (not a test: run by hand, see README "Performance"):
// offscreen draw times of the overview at 16 layers x 32 heads and of the
// head heatmap at 1k and 4k tokens, zoomed out, zoomed in and while panning.
// Seeded random llama-family models (d_model 256) are written to a temporary
// folder; --write-model DIR writes the 16 x 32 one (max 4096 positions, the
// llama-2 vocabulary size) for a look in the real window, and exits.
//
//   QT_QPA_PLATFORM=offscreen build/tests/ui/bench_views [--write-model DIR [--layers L --heads H --kv K]]
#include "ui_fixture.h"

#include "attnviz/core/random_model.h"
#include "attnviz/ui/views/head_grid_view.h"
#include "attnviz/ui/views/head_view.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <qcustomplot.h>

#include <algorithm>
#include <functional>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

using namespace attnviz;

namespace {

std::string llamaConfig(int layers, int heads, int kvHeads) {
    return "{\"model_type\":\"llama\",\"hidden_size\":256,\"num_hidden_layers\":" + std::to_string(layers) +
           ",\"num_attention_heads\":" + std::to_string(heads) + ",\"num_key_value_heads\":" + std::to_string(kvHeads) +
           ",\"intermediate_size\":512,\"hidden_act\":\"silu\",\"max_position_embeddings\":4096,"
           "\"rms_norm_eps\":1e-05,\"rope_theta\":10000.0,\"tie_word_embeddings\":true,\"vocab_size\":32000}";
}

// Milliseconds of the median of `n` immediate replots after `step` (which may move the view).
template <typename Step>
double medianReplot(QCustomPlot* plot, int n, Step step) {
    std::vector<double> ms;
    for (int i = 0; i < n; ++i) {
        step(i);
        QElapsedTimer t;
        t.start();
        plot->replot(QCustomPlot::rpImmediateRefresh);
        ms.push_back(t.nsecsElapsed() / 1e6);
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

double maxOf(QCustomPlot* plot, int n, const std::function<void(int)>& step) {
    double worst = 0;
    for (int i = 0; i < n; ++i) {
        step(i);
        QElapsedTimer t;
        t.start();
        plot->replot(QCustomPlot::rpImmediateRefresh);
        worst = std::max(worst, t.nsecsElapsed() / 1e6);
    }
    return worst;
}

std::shared_ptr<const ui::SessionResult> run(const QTemporaryDir& dir, const std::string& name, int layers, int heads,
                                             int kv, int tokens) {
    auto model = test::loadConfigModel(dir, name, llamaConfig(layers, heads, kv));
    if (!model) {
        std::fprintf(stderr, "bench_views: %s\n", model.error().c_str());
        std::exit(1);
    }
    std::vector<int> ids;
    for (int i = 0; i < tokens; ++i) ids.push_back((i * 7919 + 13) % 32000);
    auto result = test::runIds(model.value(), ids);
    if (!result) {
        std::fprintf(stderr, "bench_views: %s\n", result.error().c_str());
        std::exit(1);
    }
    return result.value();
}

void benchOverview(const QTemporaryDir& dir, int tokens) {
    const auto result = run(dir, "overview", 16, 32, 8, tokens);
    ui::HeadGridView view;
    view.resize(1000, 640);
    view.show();
    QElapsedTimer t;
    t.start();
    view.setResult(result);
    view.plot()->replot(QCustomPlot::rpImmediateRefresh);
    const double build = t.nsecsElapsed() / 1e6;
    const double deflt = medianReplot(view.plot(), 7, [](int) {});
    const double thumb = view.thumbnailPx();
    const double scroll = medianReplot(view.plot(), 7, [&](int i) { view.scrollBy(i % 2 ? -1.5 : 1.5, i % 2 ? -1 : 1); });
    view.zoomBy(12.0 / thumb);
    const double out = medianReplot(view.plot(), 7, [](int) {});
    view.zoomBy(96.0 / view.thumbnailPx());
    const double in = medianReplot(view.plot(), 7, [](int) {});
    std::printf("overview 16 x 32 heads, %d tokens, view 1000 x 640: build %.0f ms; replot at the default zoom "
                "(%.0f px thumbnails) %.1f ms, while scrolling %.1f ms, zoomed out (12 px) %.1f ms, zoomed in (96 px) %.1f ms\n",
                tokens, build, thumb, deflt, scroll, out, in);
}

void benchHeatmap(const QTemporaryDir& dir, int tokens, bool mean) {
    const auto result = run(dir, "heat" + std::to_string(tokens), 2, 2, 2, tokens);
    ui::HeadView view;
    view.resize(1000, 860);
    view.show();
    ui::ViewStyle style;
    style.lodMean = mean;
    view.setViewStyle(style);
    QElapsedTimer t;
    t.start();
    view.setResult(result);
    view.setHead({1, 0});
    view.plot()->replot(QCustomPlot::rpImmediateRefresh);
    const double build = t.nsecsElapsed() / 1e6;
    QCPAxis* x = view.colorMap()->keyAxis();
    QCPAxis* y = view.colorMap()->valueAxis();
    // Zoomed out: every replot builds the image anew (the range moves by a cell and back).
    const double out = maxOf(view.plot(), 9, [&](int i) {
        x->setRange(-0.5, tokens - 0.5 - (i % 2));
        y->setRange(-0.5, tokens - 0.5 - (i % 2));
    });
    const QString outNote = view.figureSubtitle().section(QStringLiteral("   ·   "), -1);
    // Zoomed in to an eighth, panned: each replot a new visible range.
    const double eighth = tokens / 8.0;
    const double pan = maxOf(view.plot(), 15, [&](int i) {
        const double lo = tokens / 3.0 + i * eighth / 10;
        x->setRange(lo, lo + eighth);
        y->setRange(lo, lo + eighth);
    });
    // Zoomed in to 64 tokens: one cell per several pixels, token labels shown.
    const double deep = maxOf(view.plot(), 9, [&](int i) {
        const double lo = tokens / 2.0 + i * 3;
        x->setRange(lo, lo + 64);
        y->setRange(lo, lo + 64);
    });
    const double hover = medianReplot(view.plot(), 7, [](int) {});  // nothing moved: the image is reused
    std::printf("head heatmap %d x %d tokens (%s), view 1000 x 860: build %.0f ms; worst replot zoomed out %.1f ms "
                "(%s), panning at 1/8 zoom %.1f ms, at 64 tokens %.1f ms; replot without a move %.1f ms\n",
                tokens, tokens, mean ? "mean" : "max", build, out, qPrintable(outNote), pan, deep, hover);
}

}  // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const QStringList args = app.arguments();
    const auto intArg = [&](const QString& name, int fallback) {
        const int i = args.indexOf(name);
        return i >= 0 && i + 1 < args.size() ? args[i + 1].toInt() : fallback;
    };
    if (const int i = args.indexOf(QStringLiteral("--write-model")); i >= 0 && i + 1 < args.size()) {
        core::RandomModelOptions options;
        options.seed = 11;
        options.weightStd = 0.3f;
        options.qkScale = 3.0f;
        const std::string config = llamaConfig(intArg("--layers", 16), intArg("--heads", 32), intArg("--kv", 8));
        if (auto st = core::writeRandomModel(config, args[i + 1].toStdString(), options); !st) {
            std::fprintf(stderr, "bench_views: %s\n", st.error().c_str());
            return 1;
        }
        return 0;
    }
    QTemporaryDir dir;
    std::printf("machine: %u hardware threads, load average at start: %s\n", std::thread::hardware_concurrency(),
                [] {
                    QFile f(QStringLiteral("/proc/loadavg"));
                    return f.open(QIODevice::ReadOnly) ? f.readAll().trimmed().toStdString() : std::string("?");
                }()
                    .c_str());
    benchOverview(dir, intArg("--overview-tokens", 256));
    for (int tokens : {1024, 4096}) benchHeatmap(dir, tokens, false);
    benchHeatmap(dir, 4096, true);
    return 0;
}
