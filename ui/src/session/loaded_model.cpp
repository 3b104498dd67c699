#include "attnviz/ui/session/loaded_model.h"

#include <QDir>

namespace attnviz::ui {

QString LoadedModel::name() const {
    if (seq2seq) return QString::fromStdString(seq2seq->name());
    return model ? QString::fromStdString(model->name()) : QString();
}

QString LoadedModel::shapeText() const {
    if (seq2seq) {
        const core::Seq2SeqConfig& c = seq2seq->model().config();
        return QStringLiteral("encoder %1 layers x %2 heads, decoder %3 layers x %4 heads")
            .arg(c.encoder.nLayers)
            .arg(c.encoder.nHeads)
            .arg(c.decoder.nLayers)
            .arg(c.decoder.nHeads);
    }
    if (!model) return {};
    const core::ModelConfig& c = model->config();
    const QString shape = QStringLiteral("%1 layers x %2 heads").arg(c.nLayers).arg(c.nHeads);
    // Grouped-query attention: say how many key/value heads the query heads share.
    if (c.nKvHeads > 0 && c.nKvHeads < c.nHeads) {
        return shape + QStringLiteral(" (%1 KV heads, %2 query heads each)").arg(c.nKvHeads).arg(c.nHeads / c.nKvHeads);
    }
    return shape;
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

LoadedModel loadedModel(std::shared_ptr<core::Seq2SeqSession> session, const QString& dir) {
    LoadedModel out;
    if (session->sourceTokenizer() != nullptr) {
        out.tokenizer = std::shared_ptr<const core::Tokenizer>(session, session->sourceTokenizer());
    }
    out.dir = QDir(dir).absolutePath();
    out.tokenizerProblem = QString::fromStdString(session->tokenizerProblem());
    out.seq2seq = std::move(session);
    return out;
}

core::Result<LoadedModel> loadModelFolder(const QString& dir, const core::ProgressFn& progress) {
    const std::filesystem::path path = QDir::cleanPath(dir).toStdString();
    if (core::isSeq2SeqFolder(path)) {
        auto session = core::Seq2SeqSession::open(path, progress);
        if (!session) return session.takeError();
        return loadedModel(std::move(session.value()), QDir::cleanPath(dir));
    }
    auto session = core::Session::open(QDir::cleanPath(dir).toStdString(), progress);
    if (!session) return session.takeError();
    return loadedModel(std::move(session.value()));
}

}  // namespace attnviz::ui
