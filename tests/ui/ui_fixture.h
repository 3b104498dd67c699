// Test helpers for the UI suites: a tiny fixture model opened as the window
// opens models, and runs on given token ids.
#pragma once

#include "attnviz/ui/loaded_model.h"
#include "attnviz/ui/session_result.h"

#include <QTemporaryDir>

#include <memory>
#include <string>
#include <vector>

class QCPColorMap;

namespace attnviz::test {

// Writes the tiny preset into `root` and loads it (fails the test on error).
ui::LoadedModel loadFixture(const QTemporaryDir& root, const std::string& preset);

// Token ids 0..n-1 spread over the vocabulary (no tokenizer needed).
std::vector<core::Token> idTokens(const std::vector<int>& ids);

// runSession on `ids` with `mask`.
std::shared_ptr<const ui::SessionResult> runIds(const ui::LoadedModel& model, const std::vector<int>& ids,
                                                core::MaskMode mask = core::MaskMode::defaultMode());

// Cell (key, query) of a colour map, as the test wants to read it: (query, key).
double cellAt(QCPColorMap* map, int query, int key);

}  // namespace attnviz::test
