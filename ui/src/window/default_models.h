// The models shipped with attnviz: <exe dir>/../share/attnviz/models/<name>
// when installed, <source>/resources/models/<name> in a build tree. The
// causal (decoder) model comes first: it is the one opened on first start.
#pragma once

#include <QString>

#include <vector>

namespace attnviz::ui {

struct DefaultModel {
    QString dir;
    QString name;
    QString modelType;  // config.json model_type
    bool causal = true;
};

// Every model folder (holding a readable config.json) under the known roots,
// causal ones first, then by name; duplicates by name are dropped (installed wins).
std::vector<DefaultModel> defaultModels();

// The same for one root folder.
std::vector<DefaultModel> modelsUnder(const QString& root);

// The folders searched, in order.
QStringList defaultModelRoots();

// The model to open at start: `requested` (--model) if given, else
// `lastModel` if it still exists (a folder or a .gguf file), else the first default model ("" when
// there is none).
QString startModelDir(const QString& requested, const QString& lastModel);

}  // namespace attnviz::ui
