#include "ui_fixture.h"

#include "attnviz/core/random_model.h"
#include "attnviz/ui/session/session_compute.h"
#include "support/fixture_models.h"

#include <QtTest>
#include <qcustomplot.h>

namespace attnviz::test {

core::Result<ui::LoadedModel> loadFixture(const QTemporaryDir& root, const std::string& preset) {
    auto dir = writeFixture(root, preset);
    if (!dir) return dir.takeError();
    auto loaded = ui::loadModelFolder(QString::fromStdString(dir->string()));
    if (!loaded) return core::prefixError("loading fixture " + preset + ": ", loaded.takeError());
    return loaded;
}

core::Result<ui::LoadedModel> loadConfigModel(const QTemporaryDir& root, const std::string& name,
                                              const std::string& configJson,
                                              const std::vector<std::pair<std::string, std::string>>& extraFiles,
                                              std::uint64_t seed) {
    auto dir = writeConfigFixture(root, name, configJson, seed);
    if (!dir) return dir.takeError();
    for (const auto& [file, text] : extraFiles) {
        QFile f(QString::fromStdString((*dir / file).string()));
        if (!f.open(QIODevice::WriteOnly) || f.write(text.data(), static_cast<qint64>(text.size())) != static_cast<qint64>(text.size())) {
            return core::makeError(core::ErrorCode::Io, "fixture " + name + ": cannot write " + file);
        }
    }
    auto loaded = ui::loadModelFolder(QString::fromStdString(dir->string()));
    if (!loaded) return core::prefixError("loading " + name + ": ", loaded.takeError());
    return loaded;
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

core::Result<std::shared_ptr<const ui::SessionResult>> runIds(const ui::LoadedModel& model, const std::vector<int>& ids,
                                                              core::MaskMode mask) {
    auto result = ui::runSession(model, idTokens(ids), mask);
    if (!result) return core::prefixError("runSession: ", result.takeError());
    return result;
}

std::string llamaConfig(int layers, int heads, int kvHeads, int hidden, int positions) {
    return "{\"model_type\":\"llama\",\"hidden_size\":" + std::to_string(hidden) + ",\"num_hidden_layers\":" +
           std::to_string(layers) + ",\"num_attention_heads\":" + std::to_string(heads) +
           ",\"num_key_value_heads\":" + std::to_string(kvHeads) +
           ",\"intermediate_size\":32,\"hidden_act\":\"silu\",\"max_position_embeddings\":" + std::to_string(positions) +
           ",\"rms_norm_eps\":1e-05,\"rope_theta\":10000.0,\"tie_word_embeddings\":true,\"vocab_size\":50}";
}

core::Result<std::shared_ptr<const ui::SessionResult>> runIdsUnderBudget(const ui::LoadedModel& model,
                                                                         const std::vector<int>& ids, int budgetMb) {
    qputenv("ATTNVIZ_TRACE_BUDGET_MB", QByteArray::number(budgetMb));
    auto result = runIds(model, ids);
    qunsetenv("ATTNVIZ_TRACE_BUDGET_MB");
    return result;
}

core::Result<std::shared_ptr<const ui::SessionResult>> runText(const ui::LoadedModel& model, const QString& text,
                                                               const ui::RunFeatures& features) {
    auto tokens = ui::tokenizeInput(model, ui::SessionInput{text, {}, false, {}});
    if (!tokens) return core::prefixError("tokenize: ", tokens.takeError());
    auto result = ui::runSession(model, tokens.value(), core::MaskMode::defaultMode(), nullptr, features);
    if (!result) return core::prefixError("runSession: ", result.takeError());
    return result;
}

double cellAt(QCPColorMap* map, int query, int key) { return map->data()->cell(key, query); }

}  // namespace attnviz::test
