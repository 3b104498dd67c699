#include "ui_fixture.h"

#include "attnviz/ui/session_compute.h"
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

double cellAt(QCPColorMap* map, int query, int key) { return map->data()->cell(key, query); }

}  // namespace attnviz::test
