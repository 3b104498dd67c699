#include "attnviz/ui/session/loaded_model.h"

#include "attnviz/core/predictions.h"

#include <QDir>

namespace attnviz::ui {

QString LoadedModel::name() const { return model ? QString::fromStdString(model->name()) : QString(); }

QString LoadedModel::shapeText() const {
    if (!model) return {};
    return QStringLiteral("%1 layers x %2 heads").arg(model->config().nLayers).arg(model->config().nHeads);
}

bool LoadedModel::takesPairs() const {
    return model && tokenizer && model->hasTokenTypes() && tokenizer->supportsPairs();
}

core::Result<LoadedModel> loadModelFolder(const QString& dir, const core::ProgressFn& progress) {
    const std::filesystem::path path = QDir::cleanPath(dir).toStdString();
    auto model = core::loadModel(path, progress);
    if (!model) return model.takeError();
    LoadedModel out;
    out.model = std::shared_ptr<const core::Model>(std::move(model.value()));
    out.dir = QDir(dir).absolutePath();
    auto tokenizer = core::loadTokenizer(path);
    if (tokenizer) {
        out.tokenizer = std::shared_ptr<const core::Tokenizer>(std::move(tokenizer.value()));
        // The text a user types for a masked position (the hint names it).
        for (std::int32_t id = 0; id < out.tokenizer->vocabSize(); ++id) {
            const std::string piece = out.tokenizer->piece(id);
            if (core::isMaskPiece(piece)) {
                out.maskToken = QString::fromStdString(piece);
                break;
            }
        }
    } else {
        out.tokenizerProblem = QString::fromStdString(tokenizer.error());
    }
    return out;
}

}  // namespace attnviz::ui
