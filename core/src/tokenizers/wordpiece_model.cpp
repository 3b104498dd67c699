#include "wordpiece_model.h"

#include "unicode_text.h"

#include <algorithm>

namespace attnviz::core {

Result<std::unique_ptr<WordPieceModel>> WordPieceModel::create(std::vector<std::string> vocab, std::string unkToken,
                                                                std::string continuingPrefix,
                                                                std::size_t maxInputCharsPerWord) {
    std::unique_ptr<WordPieceModel> model(new WordPieceModel());
    model->m_vocab = std::move(vocab);
    for (std::size_t i = 0; i < model->m_vocab.size(); ++i) {
        // Like Python's dict built line by line, a repeated token keeps its last id.
        model->m_ids[model->m_vocab[i]] = static_cast<std::int32_t>(i);
        model->m_maxTokenBytes = std::max(model->m_maxTokenBytes, model->m_vocab[i].size());
    }
    const auto unk = model->m_ids.find(unkToken);
    if (unk == model->m_ids.end()) {
        return makeError(ErrorCode::CorruptFile, "the WordPiece vocabulary has no unknown token '" + unkToken + "'");
    }
    model->m_unkId = unk->second;
    model->m_prefix = std::move(continuingPrefix);
    model->m_maxChars = maxInputCharsPerWord;
    return model;
}

Status WordPieceModel::tokenize(std::string_view word, std::vector<SubToken>& out) const {
    // Character boundaries of the word.
    std::vector<std::size_t> bounds;
    for (std::size_t i = 0; i < word.size(); i += unicode::sequenceLength(static_cast<unsigned char>(word[i]))) {
        bounds.push_back(i);
    }
    const std::size_t nChars = bounds.size();
    bounds.push_back(word.size());
    if (nChars > m_maxChars) {
        out.push_back({m_unkId, 0, word.size()});
        return Status::success();
    }
    const std::size_t firstOut = out.size();
    std::string candidate;
    for (std::size_t start = 0; start < nChars;) {
        std::size_t end = nChars;
        // Pieces longer than the longest vocabulary entry cannot match.
        while (end > start && bounds[end] - bounds[start] > m_maxTokenBytes) --end;
        std::optional<std::int32_t> found;
        for (; end > start; --end) {
            candidate.clear();
            if (start > 0) candidate = m_prefix;
            candidate.append(word.substr(bounds[start], bounds[end] - bounds[start]));
            const auto it = m_ids.find(candidate);
            if (it != m_ids.end()) {
                found = it->second;
                break;
            }
        }
        if (!found) {
            out.resize(firstOut);
            out.push_back({m_unkId, 0, word.size()});
            return Status::success();
        }
        out.push_back({*found, bounds[start], bounds[end]});
        start = end;
    }
    return Status::success();
}

std::optional<std::int32_t> WordPieceModel::tokenToId(std::string_view token) const {
    const auto it = m_ids.find(std::string(token));
    if (it == m_ids.end()) return std::nullopt;
    return it->second;
}

std::string WordPieceModel::idToToken(std::int32_t id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= m_vocab.size()) return {};
    return m_vocab[static_cast<std::size_t>(id)];
}

}  // namespace attnviz::core
