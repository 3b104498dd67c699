#include "window/default_models.h"

#include "attnviz/core/model_config.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

#include <algorithm>

namespace attnviz::ui {

QStringList defaultModelRoots() {
    QStringList roots;
    if (QCoreApplication::instance() != nullptr) {
        roots << QDir(QCoreApplication::applicationDirPath()).absoluteFilePath(QStringLiteral("../share/attnviz/models"));
    }
    roots << QStringLiteral(ATTNVIZ_SOURCE_MODELS_DIR);
    for (QString& r : roots) r = QDir::cleanPath(r);
    roots.removeDuplicates();
    return roots;
}

std::vector<DefaultModel> modelsUnder(const QString& root) {
    std::vector<DefaultModel> out;
    const QDir dir(root);
    if (!dir.exists()) return out;
    for (const QFileInfo& entry : dir.entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
        const QString configPath = QDir(entry.absoluteFilePath()).filePath(QStringLiteral("config.json"));
        if (!QFileInfo::exists(configPath)) continue;
        auto config = core::ModelConfig::fromFile(configPath.toStdString());
        if (!config) continue;
        out.push_back({entry.absoluteFilePath(), entry.fileName(), QString::fromStdString(config->modelType),
                       !config->isEncoder()});
    }
    return out;
}

std::vector<DefaultModel> defaultModels() {
    std::vector<DefaultModel> all;
    for (const QString& root : defaultModelRoots()) {
        for (DefaultModel& m : modelsUnder(root)) {
            const bool seen = std::any_of(all.begin(), all.end(), [&](const DefaultModel& o) { return o.name == m.name; });
            if (!seen) all.push_back(std::move(m));
        }
    }
    std::stable_sort(all.begin(), all.end(), [](const DefaultModel& a, const DefaultModel& b) {
        if (a.causal != b.causal) return a.causal;
        return a.name < b.name;
    });
    return all;
}

QString startModelDir(const QString& requested, const QString& lastModel) {
    if (!requested.isEmpty()) return requested;
    if (!lastModel.isEmpty() && QFileInfo::exists(lastModel)) return lastModel;  // a folder or a .gguf file
    const auto defaults = defaultModels();
    return defaults.empty() ? QString() : defaults.front().dir;
}

}  // namespace attnviz::ui
