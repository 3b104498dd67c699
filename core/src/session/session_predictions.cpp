// Which positions a run predicts at, and why it cannot when it cannot: a
// causal model predicts after the last token, a masked LM fills each mask
// token. Some checkpoints have no LM head (a previous run found out): then
// only attention is computed.
#include "attnviz/core/session.h"

#include "attnviz/core/predictions.h"
#include "session_cache.h"

namespace attnviz::core {

void Session::predict(const std::vector<Token>& tokens, RunOptions& options,
                      RunResult& result, std::vector<int>& positions) const {
    const ModelConfig& config = m_model->config();
    result.predictionsComputed = true;
    result.maskedLm = config.isEncoder();
    std::string headProblem;
    {
        std::lock_guard lock(m_cache->mutex);
        headProblem = m_cache->lmHeadProblem;
    }
    positions = predictionPositions(config, tokens);
    const long long entries = static_cast<long long>(positions.size()) * config.vocabSize;
    if (!headProblem.empty()) {
        result.predictionProblem = headProblem;
    } else if (positions.empty() && config.isEncoder() && !m_tokenizer) {
        result.predictionProblem = "Predictions of a masked language model fill its mask tokens, and without a "
                                   "tokenizer attnviz cannot tell which typed id is one.";
    } else if (positions.empty()) {
        result.predictionNeedsMask = true;
        const std::string mask = m_maskToken.empty() ? std::string("[MASK]") : m_maskToken;
        result.predictionProblem =
            "This is a masked language model: type " + mask + " where a word should be filled in.";
    } else if (entries > m_limits.maxLogitEntries) {
        result.predictionProblem = "Predictions skipped: " + std::to_string(positions.size()) + " positions x " +
                                   std::to_string(config.vocabSize) + " vocabulary entries of logits would take " +
                                   std::to_string(entries * 4 / (1024 * 1024)) + " MB; shorten the text";
    } else {
        // Only the rows shown: the LM head over every position is the
        // costliest step of a long text.
        options.computeLogits = true;
        options.logitPositions = positions;
    }
}

}  // namespace attnviz::core
