// Test helpers for the UI suites: a tiny fixture model opened as the window
// opens models, and runs on given token ids. Each returns a Result the test
// unwraps (ATTNVIZ_UNWRAP in support/verify_result.h), so a broken fixture
// fails that test with its message.
#pragma once

#include "attnviz/ui/session/loaded_model.h"
#include "attnviz/ui/session/session_compute.h"
#include "attnviz/ui/session/session_result.h"

#include <QTemporaryDir>

#include <memory>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

class QCPColorMap;

namespace attnviz::test {

// Writes the tiny preset into `root` and loads it.
core::Result<ui::LoadedModel> loadFixture(const QTemporaryDir& root, const std::string& preset);

// A seeded random model of any config.json text, written as `name` under
// `root` (fixture weights: peaky attention), and loaded. Extra files (a
// vocab.txt, ...) are written next to it first.
core::Result<ui::LoadedModel> loadConfigModel(const QTemporaryDir& root, const std::string& name, const std::string& configJson,
                                const std::vector<std::pair<std::string, std::string>>& extraFiles = {},
                                std::uint64_t seed = 7);

// Token ids 0..n-1 spread over the vocabulary (no tokenizer needed).
std::vector<core::Token> idTokens(const std::vector<int>& ids);

// The config.json of a small random Llama (intermediate size 32, vocabulary 50).
std::string llamaConfig(int layers, int heads, int kvHeads, int hidden, int positions);

// runSession on `ids` with `mask`.
core::Result<std::shared_ptr<const ui::SessionResult>> runIds(const ui::LoadedModel& model, const std::vector<int>& ids,
                                                              core::MaskMode mask = core::MaskMode::defaultMode());
// runIds under a trace budget of `budgetMb` MiB (ATTNVIZ_TRACE_BUDGET_MB),
// so a run past it keeps a lazy trace.
core::Result<std::shared_ptr<const ui::SessionResult>> runIdsUnderBudget(const ui::LoadedModel& model,
                                                                         const std::vector<int>& ids, int budgetMb);
// runSession on the tokenizer's encoding of `text`, with `features`.
core::Result<std::shared_ptr<const ui::SessionResult>> runText(const ui::LoadedModel& model, const QString& text,
                                                               const ui::RunFeatures& features = {});

// Cell (key, query) of a colour map, as the test wants to read it: (query, key).
double cellAt(QCPColorMap* map, int query, int key);

}  // namespace attnviz::test
