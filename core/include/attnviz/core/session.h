// A model folder opened for runs: the model, its tokenizer (or why there is
// none: input is then typed as token ids) and the run policy shared by the
// GUI and attnviz-cli: how text or ids become tokens, what a run computes
// beside the attention, what is reused between runs (the induction scores of
// each mask, the run under the model's own mask, a missing LM head), and the
// limits that keep a run within reach.
//
//   auto session = Session::open("models/stories260K");
//   if (!session) return fail(session.error());
//   auto tokens = (*session)->tokenize({.text = "Once upon a time"});
//   RunRequest request;
//   request.predictions = true;
//   auto result = (*session)->run(*tokens, request);   // shared_ptr<const RunResult>
//
// Thread-safe: runs may go on at once from several threads.
#pragma once

#include "attnviz/core/model.h"
#include "attnviz/core/result.h"
#include "attnviz/core/run_result.h"
#include "attnviz/core/tokenizer.h"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <optional>
#include <vector>

namespace attnviz::core {

// Limits that keep an interactive run responsive; longer inputs get a message.
struct SessionLimits {
    // No fixed count: the model's positions and the trace's memory limit
    // (Model::run) decide, each with a message naming it. Tests and callers
    // may set a smaller one.
    int maxTokens = std::numeric_limits<int>::max();
    std::size_t maxTextChars = 200000;  // Unicode code points of text + pair
    // The LM head writes (tokens x vocabulary) logits: above this many the
    // predictions are skipped with a message (256 MB of floats).
    long long maxLogitEntries = 64LL * 1024 * 1024;

    // No limits beyond the model's own (attnviz-cli: the user asked for it).
    static SessionLimits none();
};

struct SessionInput {
    std::string text;
    std::string pair;  // second sentence, used when usePair and the model takes pairs
    bool usePair = false;
};

// What a run computes beside the attention probabilities of every head.
struct RunRequest {
    MaskMode mask;                   // Default: the model's own
    bool scores = false;             // the scores before the softmax (the "steps" view)
    bool valueNorms = false;         // value-weighted norms
    bool headStatistics = false;     // computeHeadStats of the trace
    bool induction = false;          // the induction scores (one extra run per model and mask, then cached)
    bool defaultMaskRun = false;     // the same tokens under the model's own mask (the difference view)
    bool predictions = false;        // the LM head's top-k
    int topK = 5;
    // Positions with global attention (Longformer); nullopt: the model's
    // default (the first token). Other models accept none.
    std::optional<std::vector<int>> globalTokens;
    // Layers whose attention inputs to keep (RunOptions::captureLayers; the
    // Explain view, `attnviz-cli explain`).
    std::vector<int> captureLayers;
    // How the attention is kept (RunOptions::lazyTrace): every probability
    // (Eager), each layer's queries and keys with heads computed on request
    // (Lazy), or lazily only when the eager trace would exceed
    // traceMemoryBudget() and the model can (WhenLarge). A lazy run drops
    // the scores; the Explain view's captures keep a run eager.
    enum class Keeping { Eager, Lazy, WhenLarge };
    Keeping keeping = Keeping::Eager;

    // What the desktop views draw: the scores (the steps view), value norms
    // and statistics (the analyses), the run under the model's own mask (the
    // difference view), and the predictions when their panel is open. The
    // induction scores come as a second stage (Session::withInduction), so
    // the attention shows first.
    static RunRequest forViews(MaskMode mask, bool predictions, int topK = 5);
};

// The stages a run reports through RunControl::progress.
enum class RunStage { Forward, DefaultMask, Statistics, Induction };
std::string_view runStageName(RunStage stage);

struct RunControl {
    const std::atomic<bool>* cancel = nullptr;  // true: stop at the next layer (ErrorCode::Cancelled)
    // Called before each stage with its index and the number of stages.
    std::function<void(RunStage stage, int index, int count)> progress;
};

// Typed ids (and token types, empty = all 0) to tokens, each named by the
// tokenizer (`tokenizer` may be null) or "#id"; a mask piece counts as
// special, as a typed [MASK] does.
Result<std::vector<Token>> tokensFromIds(const Tokenizer* tokenizer, std::span<const std::int32_t> ids,
                                         std::span<const std::int32_t> types = {});
// Text (and the pair when input.usePair) through `tokenizer`; an error when
// a pair is given to a tokenizer that does not take pairs.
Result<std::vector<Token>> encodeInput(const Tokenizer& tokenizer, const SessionInput& input);
// The readable form of an id: the tokenizer's, or "#id" when it has none.
std::string tokenDisplayText(const Tokenizer* tokenizer, std::int32_t id);

class Session {
public:
    // Loads config, weights and tokenizer of `dir`. A missing or unreadable
    // tokenizer is not an error (tokenizerProblem() says why).
    static Result<std::shared_ptr<Session>> open(const std::filesystem::path& dir, const ProgressFn& progress = {});
    Session(std::shared_ptr<const Model> model, std::shared_ptr<const Tokenizer> tokenizer,
            std::string tokenizerProblem, std::filesystem::path dir = {});

    const Model& model() const { return *m_model; }
    const std::shared_ptr<const Model>& modelPtr() const { return m_model; }
    const Tokenizer* tokenizer() const { return m_tokenizer.get(); }
    const std::shared_ptr<const Tokenizer>& tokenizerPtr() const { return m_tokenizer; }
    const std::string& tokenizerProblem() const { return m_tokenizerProblem; }
    // What loading noticed without failing, one line each: the model's load
    // warnings, then a tokenizer whose ids go beyond the model's vocabulary.
    const std::vector<std::string>& warnings() const { return m_warnings; }
    const std::filesystem::path& dir() const { return m_dir; }
    const std::string& name() const { return m_model->name(); }
    // "[MASK]" or "<mask>" when the vocabulary has one, else "".
    const std::string& maskToken() const { return m_maskToken; }
    // The model has token types (BERT segments) and the tokenizer takes pairs.
    bool takesPairs() const;
    const SessionLimits& limits() const { return m_limits; }
    void setLimits(const SessionLimits& limits) { m_limits = limits; }
    // Causal models reuse the rows of the previous run's common prefix (on
    // by default: typing); off, every run computes every row in one pass
    // (attnviz-cli bench measures whole runs).
    bool prefixReuse() const { return m_prefixReuse; }
    void setPrefixReuse(bool on) { m_prefixReuse = on; }

    // Text to tokens with the model's tokenizer; without one, the text is
    // read as token ids ("1 15 27" or "1,15,27").
    Result<std::vector<Token>> tokenize(const SessionInput& input) const;
    Result<std::vector<Token>> tokensFromIds(std::span<const std::int32_t> ids,
                                             std::span<const std::int32_t> types = {}) const {
        return core::tokensFromIds(m_tokenizer.get(), ids, types);
    }
    std::string tokenText(std::int32_t id) const { return tokenDisplayText(m_tokenizer.get(), id); }

    // Runs the model on `tokens` and computes what `request` asks for.
    Result<std::shared_ptr<const RunResult>> run(const std::vector<Token>& tokens, const RunRequest& request,
                                                 const RunControl& control = {}) const;
    // `result` with its induction scores (measured once per mask, then
    // cached), or with the reason they cannot be had. Errors only when
    // cancelled.
    Result<std::shared_ptr<const RunResult>> withInduction(const RunResult& result,
                                                           const RunControl& control = {}) const;

private:
    struct Cache;
    // Copies the cached induction scores of the result's mask (or the reason
    // they cannot be had) into it; false when there is nothing cached.
    bool applyCachedInduction(RunResult& result) const;
    // The cached scores, or measures them; an error only when cancelled.
    Status addInduction(RunResult& result, const RunControl& control) const;
    // Sets options.computeLogits and `positions` when the run should predict,
    // else result.predictionProblem.
    void predict(const std::vector<Token>& tokens, RunOptions& options, RunResult& result,
                 std::vector<int>& positions) const;

    std::shared_ptr<const Model> m_model;
    std::shared_ptr<const Tokenizer> m_tokenizer;
    std::string m_tokenizerProblem;
    std::filesystem::path m_dir;
    std::string m_maskToken;
    std::vector<std::string> m_warnings;
    SessionLimits m_limits;
    bool m_prefixReuse = true;
    std::shared_ptr<Cache> m_cache;
};

}  // namespace attnviz::core
