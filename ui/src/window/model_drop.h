// A model folder dropped on the window: the folder itself, or the folder of
// a file dropped from inside it (config.json, model.safetensors).
#pragma once

#include <QString>

class QMimeData;

namespace attnviz::ui {

// The local folder to open for the drop ("" when it holds none).
QString modelDirFromMime(const QMimeData* mime);

}  // namespace attnviz::ui
