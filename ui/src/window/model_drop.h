// A model dropped on the window: a folder, a .gguf file, or the folder of a
// file dropped from inside a model folder (config.json, model.safetensors).
#pragma once

#include <QString>

class QMimeData;

namespace attnviz::ui {

// The local folder or .gguf file to open for the drop ("" when it holds none).
QString modelPathFromMime(const QMimeData* mime);

}  // namespace attnviz::ui
