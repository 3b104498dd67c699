#include "attnviz/ui/session/loaded_model.h"

#include <QDir>

namespace attnviz::ui {

QString LoadedModel::name() const { return model ? QString::fromStdString(model->name()) : QString(); }

QString LoadedModel::shapeText() const {
    if (!model) return {};
    return QStringLiteral("%1 layers x %2 heads").arg(model->config().nLayers).arg(model->config().nHeads);
}

LoadedModel loadedModel(std::shared_ptr<core::Session> session) {
    LoadedModel out;
    out.model = session->modelPtr();
    out.tokenizer = session->tokenizerPtr();
    out.dir = QDir(QString::fromStdString(session->dir().string())).absolutePath();
    out.tokenizerProblem = QString::fromStdString(session->tokenizerProblem());
    out.maskToken = QString::fromStdString(session->maskToken());
    out.session = std::move(session);
    return out;
}

core::Result<LoadedModel> loadModelFolder(const QString& dir, const core::ProgressFn& progress) {
    auto session = core::Session::open(QDir::cleanPath(dir).toStdString(), progress);
    if (!session) return session.takeError();
    return loadedModel(std::move(session.value()));
}

}  // namespace attnviz::ui
