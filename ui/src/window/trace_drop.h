// A trace file dropped on the window: its path when the first dropped URL is
// a local .safetensors file whose metadata marks it as an attnviz trace
// (docs/trace-format.md), else "" (then it may be a model: model_drop.h).
#pragma once

#include <QString>

class QMimeData;

namespace attnviz::ui {

QString traceFileFromMime(const QMimeData* mime);

}  // namespace attnviz::ui
