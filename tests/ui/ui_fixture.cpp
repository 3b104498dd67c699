#include "ui_fixture.h"

#include "attnviz/core/random_model.h"
#include "attnviz/ui/session/session_compute.h"
#include "support/fixture_models.h"

#include <QtTest>
#include <qcustomplot.h>

namespace attnviz::test {

ui::LoadedModel loadFixture(const QTemporaryDir& root, const std::string& preset) {
    const auto dir = writeFixture(root, preset);
    auto loaded = ui::loadModelFolder(QString::fromStdString(dir.string()));
    if (!loaded) qFatal("loading fixture %s: %s", preset.c_str(), loaded.error().c_str());
    return std::move(loaded.value());
}

ui::LoadedModel loadConfigModel(const QTemporaryDir& root, const std::string& name, const std::string& configJson,
                                const std::vector<std::pair<std::string, std::string>>& extraFiles, std::uint64_t seed) {
    const std::filesystem::path dir = std::filesystem::path(root.path().toStdString()) / name;
    core::RandomModelOptions options;
    options.seed = seed;
    options.weightStd = 0.3f;
    options.qkScale = 3.0f;
    if (core::Status s = core::writeRandomModel(configJson, dir, options); !s) qFatal("model %s: %s", name.c_str(), s.error().c_str());
    for (const auto& [file, text] : extraFiles) {
        QFile f(QString::fromStdString((dir / file).string()));
        if (!f.open(QIODevice::WriteOnly) || f.write(text.data(), static_cast<qint64>(text.size())) != static_cast<qint64>(text.size())) {
            qFatal("writing %s", file.c_str());
        }
    }
    auto loaded = ui::loadModelFolder(QString::fromStdString(dir.string()));
    if (!loaded) qFatal("loading %s: %s", name.c_str(), loaded.error().c_str());
    return std::move(loaded.value());
}

std::vector<core::Token> idTokens(const std::vector<int>& ids) {
    std::vector<core::Token> tokens;
    for (int id : ids) {
        core::Token t;
        t.id = id;
        t.display = "#" + std::to_string(id);
        tokens.push_back(t);
    }
    return tokens;
}

std::shared_ptr<const ui::SessionResult> runIds(const ui::LoadedModel& model, const std::vector<int>& ids,
                                                core::MaskMode mask) {
    auto result = ui::runSession(model, idTokens(ids), mask);
    if (!result) qFatal("runSession: %s", result.error().c_str());
    return result.value();
}

std::shared_ptr<const ui::SessionResult> runText(const ui::LoadedModel& model, const QString& text,
                                                 const ui::RunFeatures& features) {
    auto tokens = ui::tokenizeInput(model, ui::SessionInput{text, {}, false});
    if (!tokens) qFatal("tokenize: %s", tokens.error().c_str());
    auto result = ui::runSession(model, tokens.value(), core::MaskMode::defaultMode(), nullptr, features);
    if (!result) qFatal("runSession: %s", result.error().c_str());
    return result.value();
}

double cellAt(QCPColorMap* map, int query, int key) { return map->data()->cell(key, query); }

}  // namespace attnviz::test
