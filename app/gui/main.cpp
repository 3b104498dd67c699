// attnviz: type a sentence, see every attention head.
#include "attnviz/core/allocator.h"
#include "attnviz/ui/window/main_window.h"
#include "attnviz/ui/window/theme.h"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char** argv) {
    attnviz::core::keepFreedMemoryForReuse();
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("attnviz"));
    QApplication::setOrganizationName(QStringLiteral("attnviz"));
    QApplication::setApplicationVersion(QStringLiteral(ATTNVIZ_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Attention visualizer: every layer and head of a transformer as you type.\n"
        "Layers and heads are numbered from 0."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption model(QStringLiteral("model"),
                                   QStringLiteral("Open this model: a folder (config.json + model.safetensors), a "
                                                  ".gguf file, or a name File > Models lists (org/name, name:tag)."),
                                   QStringLiteral("MODEL"));
    const QCommandLineOption trace(QStringLiteral("trace"),
                                   QStringLiteral("Open this trace file (attention computed elsewhere: attnviz-cli "
                                                  "attention --format trace, tools/hf_trace.py)."),
                                   QStringLiteral("FILE"));
    const QCommandLineOption text(QStringLiteral("text"), QStringLiteral("Start with this text."), QStringLiteral("T"));
    parser.addOption(model);
    parser.addOption(text);
    const QCommandLineOption target(QStringLiteral("target"),
                                    QStringLiteral("Encoder-decoder models: start with this target (the decoder's "
                                                   "text, teacher-forced); without it the model generates."),
                                    QStringLiteral("T"));
    parser.addOption(target);
    parser.addOption(trace);
    parser.process(app);

    attnviz::ui::applyTheme(attnviz::ui::savedTheme());
    attnviz::ui::MainWindow window;
    attnviz::ui::StartOptions options;
    options.modelDir = parser.value(model);
    options.tracePath = parser.value(trace);
    options.hasText = parser.isSet(text);
    options.text = parser.value(text);
    options.target = parser.value(target);
    options.offerModelsOnFirstStart = true;
    options.offerTourOnFirstStart = true;
    window.show();
    window.start(options);
    return QApplication::exec();
}
